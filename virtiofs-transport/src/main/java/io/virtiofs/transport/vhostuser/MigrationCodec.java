package io.virtiofs.transport.vhostuser;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import io.virtiofs.transport.vhostuser.FrontEndMessage.Migration;
import io.virtiofs.transport.vhostuser.FrontEndMessage.Migration.CheckDeviceState;
import io.virtiofs.transport.vhostuser.FrontEndMessage.Migration.SetDeviceStateFd;
import io.virtiofs.transport.vhostuser.FrontEndMessage.Migration.SetLogBase;
import io.virtiofs.transport.vhostuser.FrontEndMessage.Migration.SetLogFd;
import java.lang.foreign.MemorySegment;

/**
 * The payloads of the live-migration requests (vhost-user.rst, "Log description", "Device state
 * transfer parameters"), beside {@link MessageCodec}.
 */
final class MigrationCodec {

    /** {@code VhostUserLog}: u64 mmap_size, u64 mmap_offset. */
    static final int LOG = 16;
    /** {@code VhostUserTransferDeviceState}: u32 direction, u32 phase. */
    static final int TRANSFER = 8;

    private MigrationCodec() {
    }

    static Migration decode(RequestCode code, MemorySegment p) throws VhostUserProtocolException {
        return switch (code) {
            case SET_LOG_BASE -> {
                size(code, p, LOG);
                yield new SetLogBase(p.get(JAVA_LONG_UNALIGNED, 0), p.get(JAVA_LONG_UNALIGNED, 8));
            }
            case SET_LOG_FD -> {
                if (p.byteSize() != 0 && p.byteSize() != 8) {
                    throw new VhostUserProtocolException(ProtocolFault.PAYLOAD_SIZE, code + " carries 0 or 8 payload"
                            + " bytes, got " + p.byteSize());
                }
                yield new SetLogFd((int) p.byteSize());
            }
            case SET_DEVICE_STATE_FD -> {
                size(code, p, TRANSFER);
                yield new SetDeviceStateFd(p.get(JAVA_INT_UNALIGNED, 0), p.get(JAVA_INT_UNALIGNED, 4));
            }
            case CHECK_DEVICE_STATE -> {
                // No payload (QEMU's), or a u64 that is ignored.
                if (p.byteSize() != 0 && p.byteSize() != 8) {
                    throw new VhostUserProtocolException(ProtocolFault.PAYLOAD_SIZE, code + " carries 0 or 8 payload"
                            + " bytes, got " + p.byteSize());
                }
                yield new CheckDeviceState((int) p.byteSize());
            }
            default -> throw new IllegalArgumentException(code + " is no migration request");
        };
    }

    private static void size(RequestCode code, MemorySegment p, long size) throws VhostUserProtocolException {
        if (p.byteSize() != size) {
            throw new VhostUserProtocolException(ProtocolFault.PAYLOAD_SIZE, code + " carries " + size
                    + " payload bytes, got " + p.byteSize());
        }
    }

    static int payloadSize(Migration message) {
        return switch (message) {
            case SetLogBase _ -> LOG;
            case SetLogFd fd -> fd.payloadSize();
            case SetDeviceStateFd _ -> TRANSFER;
            case CheckDeviceState check -> check.payloadSize();
        };
    }

    static void write(Migration message, MemorySegment p) {
        switch (message) {
            case SetLogBase log -> {
                p.set(JAVA_LONG_UNALIGNED, 0, log.size());
                p.set(JAVA_LONG_UNALIGNED, 8, log.offset());
            }
            case SetLogFd _ -> p.fill((byte) 0);
            case SetDeviceStateFd transfer -> {
                p.set(JAVA_INT_UNALIGNED, 0, transfer.direction());
                p.set(JAVA_INT_UNALIGNED, 4, transfer.phase());
            }
            case CheckDeviceState _ -> p.fill((byte) 0);
        }
    }
}
