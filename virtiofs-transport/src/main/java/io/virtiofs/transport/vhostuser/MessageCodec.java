package io.virtiofs.transport.vhostuser;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import io.virtiofs.transport.vhostuser.BackEndReply.ConfigReply;
import io.virtiofs.transport.vhostuser.BackEndReply.ShmemConfigReply;
import io.virtiofs.transport.vhostuser.BackEndReply.U64Reply;
import io.virtiofs.transport.vhostuser.BackEndReply.VringBaseReply;
import io.virtiofs.transport.vhostuser.FrontEndMessage.AddMemReg;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetConfig;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetMaxMemSlots;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetProtocolFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetQueueNum;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetShmemConfig;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetStatus;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetVringBase;
import io.virtiofs.transport.vhostuser.FrontEndMessage.RemMemReg;
import io.virtiofs.transport.vhostuser.FrontEndMessage.ResetDevice;
import io.virtiofs.transport.vhostuser.FrontEndMessage.ResetOwner;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetBackendReqFd;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetConfig;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetMemTable;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetOwner;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetProtocolFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetStatus;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringAddr;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringBase;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringCall;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringEnable;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringErr;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringKick;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringNum;
import io.virtiofs.transport.vhostuser.FrontEndMessage.Unsupported;
import io.virtiofs.transport.vhostuser.FrontEndMessage.VringFile;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads and writes vhost-user payloads (vhost-user.rst, "Payload"), in the machine's byte order.
 *
 * <p>Reading checks everything the front-end controls: the payload size against the request's
 * shape, the number of descriptors against what the request carries, and every field's range.
 * A violation is a {@link VhostUserProtocolException} with its {@link ProtocolFault}; nothing
 * else escapes for any input.
 */
final class MessageCodec {

    /** The most descriptors any message carries (a memory table of 8 regions). */
    static final int MAX_FDS = SetMemTable.MAX_REGIONS;

    private static final int U64 = 8;
    private static final int VRING_STATE = 8;
    private static final int REGION_TABLE_HEADER = 8;
    private static final int SINGLE_REGION = 8 + MemoryRegion.BYTES;
    /** {@code VhostUserShMemConfig}: nregions, padding, then a size for each possible region. */
    static final int SHMEM_CONFIG = 8 + 8 * ShmemConfigReply.MAX_REGIONS;

    private MessageCodec() {
    }

    /**
     * Decodes the payload of a request whose header was read.
     *
     * @param payload exactly {@code header.size()} bytes
     * @param fdCount how many descriptors came with the message
     */
    static FrontEndMessage decode(MessageHeader header, MemorySegment payload, int fdCount)
            throws VhostUserProtocolException {
        if (payload.byteSize() != header.size()) {
            throw new IllegalArgumentException("payload of " + payload.byteSize() + " bytes for " + header);
        }
        Optional<RequestCode> known = RequestCode.of(header.request());
        if (known.isEmpty() || !known.get().supported()) {
            return new Unsupported(header.request(), header.size());
        }
        RequestCode code = known.get();
        FrontEndMessage message;
        try {
            message = decodeSupported(code, payload);
        } catch (IllegalArgumentException e) {
            throw new VhostUserProtocolException(ProtocolFault.INVALID_FIELD, code + ": " + e.getMessage());
        }
        boolean fdsMatch = message instanceof RemMemReg ? fdCount <= 1 : fdCount == message.expectedFds();
        if (!fdsMatch) {
            throw new VhostUserProtocolException(ProtocolFault.FD_COUNT, code + " came with " + fdCount
                    + " descriptors, expected " + message.expectedFds());
        }
        return message;
    }

    private static FrontEndMessage decodeSupported(RequestCode code, MemorySegment p) throws VhostUserProtocolException {
        return switch (code) {
            case GET_FEATURES -> empty(code, p, new GetFeatures());
            case SET_OWNER -> empty(code, p, new SetOwner());
            case RESET_OWNER -> empty(code, p, new ResetOwner());
            case GET_PROTOCOL_FEATURES -> empty(code, p, new GetProtocolFeatures());
            case GET_QUEUE_NUM -> empty(code, p, new GetQueueNum());
            case RESET_DEVICE -> empty(code, p, new ResetDevice());
            case GET_MAX_MEM_SLOTS -> empty(code, p, new GetMaxMemSlots());
            case GET_STATUS -> empty(code, p, new GetStatus());
            case GET_SHMEM_CONFIG -> empty(code, p, new GetShmemConfig());
            case SET_BACKEND_REQ_FD -> {
                // QEMU sends no payload; a u64 (as with the vring descriptors) is tolerated and ignored.
                if (p.byteSize() != 0) {
                    requireSize(code, p, U64);
                }
                yield new SetBackendReqFd();
            }
            case SET_FEATURES -> new SetFeatures(u64(code, p));
            case SET_PROTOCOL_FEATURES -> new SetProtocolFeatures(u64(code, p));
            case SET_STATUS -> {
                long status = u64(code, p);
                if (status < 0 || status > 0xff) {
                    throw new IllegalArgumentException("device status 0x" + Long.toHexString(status) + " is not a byte");
                }
                yield new SetStatus((int) status);
            }
            case SET_VRING_NUM -> {
                requireSize(code, p, VRING_STATE);
                yield new SetVringNum(p.get(JAVA_INT_UNALIGNED, 0), p.get(JAVA_INT_UNALIGNED, 4));
            }
            case SET_VRING_BASE -> {
                requireSize(code, p, VRING_STATE);
                yield new SetVringBase(p.get(JAVA_INT_UNALIGNED, 0), p.get(JAVA_INT_UNALIGNED, 4));
            }
            case GET_VRING_BASE -> {
                requireSize(code, p, VRING_STATE);
                yield new GetVringBase(p.get(JAVA_INT_UNALIGNED, 0), p.get(JAVA_INT_UNALIGNED, 4));
            }
            case SET_VRING_ENABLE -> {
                requireSize(code, p, VRING_STATE);
                int num = p.get(JAVA_INT_UNALIGNED, 4);
                if (num != 0 && num != 1) {
                    throw new IllegalArgumentException("enable value " + Integer.toUnsignedString(num) + " is neither 0 nor 1");
                }
                yield new SetVringEnable(p.get(JAVA_INT_UNALIGNED, 0), num == 1);
            }
            case SET_VRING_ADDR -> {
                requireSize(code, p, VringAddress.BYTES);
                yield new SetVringAddr(new VringAddress(p.get(JAVA_INT_UNALIGNED, 0), p.get(JAVA_INT_UNALIGNED, 4),
                        p.get(JAVA_LONG_UNALIGNED, 8), p.get(JAVA_LONG_UNALIGNED, 16), p.get(JAVA_LONG_UNALIGNED, 24),
                        p.get(JAVA_LONG_UNALIGNED, 32)));
            }
            case SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR -> vringFile(code, u64(code, p));
            case SET_MEM_TABLE -> memoryTable(code, p);
            case ADD_MEM_REG -> new AddMemReg(singleRegion(code, p));
            case REM_MEM_REG -> new RemMemReg(singleRegion(code, p));
            case GET_CONFIG -> new GetConfig(config(code, p));
            case SET_CONFIG -> new SetConfig(config(code, p));
            default -> throw new IllegalStateException(code + " is marked supported but has no decoder");
        };
    }

    private static FrontEndMessage empty(RequestCode code, MemorySegment p, FrontEndMessage message)
            throws VhostUserProtocolException {
        requireSize(code, p, 0);
        return message;
    }

    private static long u64(RequestCode code, MemorySegment p) throws VhostUserProtocolException {
        requireSize(code, p, U64);
        return p.get(JAVA_LONG_UNALIGNED, 0);
    }

    private static VringFile vringFile(RequestCode code, long word) {
        if ((word & ~VringFile.KNOWN_BITS) != 0) {
            throw new IllegalArgumentException("vring file word 0x" + Long.toHexString(word)
                    + " has bits beyond the index (0-7) and the no-fd flag (8)");
        }
        int index = (int) (word & 0xff);
        boolean noFd = (word & VringFile.NO_FD) != 0;
        return switch (code) {
            case SET_VRING_KICK -> new SetVringKick(index, noFd);
            case SET_VRING_CALL -> new SetVringCall(index, noFd);
            default -> new SetVringErr(index, noFd);
        };
    }

    private static SetMemTable memoryTable(RequestCode code, MemorySegment p) throws VhostUserProtocolException {
        if (p.byteSize() < REGION_TABLE_HEADER) {
            throw new VhostUserProtocolException(ProtocolFault.PAYLOAD_SIZE, code + ": " + p.byteSize()
                    + " bytes cannot hold the region count");
        }
        int count = p.get(JAVA_INT_UNALIGNED, 0);
        if (count < 0 || count > SetMemTable.MAX_REGIONS) {
            throw new IllegalArgumentException(Integer.toUnsignedString(count) + " memory regions are more than "
                    + SetMemTable.MAX_REGIONS);
        }
        requireSize(code, p, REGION_TABLE_HEADER + count * MemoryRegion.BYTES);
        List<MemoryRegion> regions = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            regions.add(region(p, REGION_TABLE_HEADER + (long) i * MemoryRegion.BYTES));
        }
        return new SetMemTable(regions);
    }

    private static MemoryRegion singleRegion(RequestCode code, MemorySegment p) throws VhostUserProtocolException {
        requireSize(code, p, SINGLE_REGION);
        return region(p, 8);
    }

    private static MemoryRegion region(MemorySegment p, long offset) {
        return new MemoryRegion(p.get(JAVA_LONG_UNALIGNED, offset), p.get(JAVA_LONG_UNALIGNED, offset + 8),
                p.get(JAVA_LONG_UNALIGNED, offset + 16), p.get(JAVA_LONG_UNALIGNED, offset + 24));
    }

    private static DeviceConfig config(RequestCode code, MemorySegment p) throws VhostUserProtocolException {
        if (p.byteSize() < DeviceConfig.HEADER_BYTES) {
            throw new VhostUserProtocolException(ProtocolFault.PAYLOAD_SIZE, code + ": " + p.byteSize()
                    + " bytes cannot hold offset, size and flags");
        }
        int size = p.get(JAVA_INT_UNALIGNED, 4);
        if (size < 0 || size > DeviceConfig.MAX_SIZE) {
            throw new IllegalArgumentException("config size " + Integer.toUnsignedString(size) + " is above "
                    + DeviceConfig.MAX_SIZE);
        }
        requireSize(code, p, DeviceConfig.HEADER_BYTES + size);
        byte[] bytes = p.asSlice(DeviceConfig.HEADER_BYTES, size).toArray(JAVA_BYTE);
        return new DeviceConfig(p.get(JAVA_INT_UNALIGNED, 0), p.get(JAVA_INT_UNALIGNED, 8), bytes);
    }

    private static void requireSize(RequestCode code, MemorySegment p, long size) throws VhostUserProtocolException {
        if (p.byteSize() != size) {
            throw new VhostUserProtocolException(ProtocolFault.PAYLOAD_SIZE, code + " carries " + size
                    + " payload bytes, got " + p.byteSize());
        }
    }

    /** The payload size of {@code message} on the wire. */
    static int payloadSize(FrontEndMessage message) {
        return switch (message) {
            case GetFeatures _, SetOwner _, ResetOwner _, GetProtocolFeatures _, GetQueueNum _, ResetDevice _,
                 GetMaxMemSlots _, GetStatus _, SetBackendReqFd _, GetShmemConfig _ -> 0;
            case SetFeatures _, SetProtocolFeatures _, SetStatus _, VringFile _ -> U64;
            case SetVringNum _, SetVringBase _, GetVringBase _, SetVringEnable _ -> VRING_STATE;
            case SetVringAddr _ -> VringAddress.BYTES;
            case SetMemTable table -> REGION_TABLE_HEADER + table.regions().size() * MemoryRegion.BYTES;
            case AddMemReg _, RemMemReg _ -> SINGLE_REGION;
            case GetConfig get -> get.config().wireSize();
            case SetConfig set -> set.config().wireSize();
            case Unsupported unsupported -> unsupported.payloadSize();
        };
    }

    /**
     * Writes a request (header and payload) as a front-end sends it, into the start of {@code out}.
     *
     * @return the number of bytes written
     */
    static int writeRequest(FrontEndMessage message, boolean needReply, MemorySegment out) {
        int size = payloadSize(message);
        MessageHeader.request(message.request(), needReply, size).write(out);
        MemorySegment p = out.asSlice(MessageHeader.BYTES, size);
        switch (message) {
            case GetFeatures _, SetOwner _, ResetOwner _, GetProtocolFeatures _, GetQueueNum _, ResetDevice _,
                 GetMaxMemSlots _, GetStatus _, SetBackendReqFd _, GetShmemConfig _ -> {
            }
            case SetFeatures set -> p.set(JAVA_LONG_UNALIGNED, 0, set.features());
            case SetProtocolFeatures set -> p.set(JAVA_LONG_UNALIGNED, 0, set.features());
            case SetStatus set -> p.set(JAVA_LONG_UNALIGNED, 0, set.status());
            case VringFile file -> p.set(JAVA_LONG_UNALIGNED, 0, file.word());
            case SetVringNum s -> writeState(p, s.index(), s.num());
            case SetVringBase s -> writeState(p, s.index(), s.num());
            case GetVringBase s -> writeState(p, s.index(), s.num());
            case SetVringEnable s -> writeState(p, s.index(), s.enable() ? 1 : 0);
            case SetVringAddr(VringAddress a) -> {
                p.set(JAVA_INT_UNALIGNED, 0, a.index());
                p.set(JAVA_INT_UNALIGNED, 4, a.flags());
                p.set(JAVA_LONG_UNALIGNED, 8, a.descriptorTable());
                p.set(JAVA_LONG_UNALIGNED, 16, a.usedRing());
                p.set(JAVA_LONG_UNALIGNED, 24, a.availRing());
                p.set(JAVA_LONG_UNALIGNED, 32, a.logGuestAddress());
            }
            case SetMemTable table -> {
                p.set(JAVA_INT_UNALIGNED, 0, table.regions().size());
                p.set(JAVA_INT_UNALIGNED, 4, 0);
                for (int i = 0; i < table.regions().size(); i++) {
                    writeRegion(p, REGION_TABLE_HEADER + (long) i * MemoryRegion.BYTES, table.regions().get(i));
                }
            }
            case AddMemReg add -> writeSingleRegion(p, add.region());
            case RemMemReg rem -> writeSingleRegion(p, rem.region());
            case GetConfig get -> writeConfig(p, get.config());
            case SetConfig set -> writeConfig(p, set.config());
            case Unsupported _ -> p.fill((byte) 0);
        }
        return MessageHeader.BYTES + size;
    }

    /**
     * Writes a reply (header and payload) into the start of {@code out}.
     *
     * @return the number of bytes written
     */
    static int writeReply(BackEndReply reply, MemorySegment out) {
        MemorySegment p = out.asSlice(MessageHeader.BYTES);
        int size = switch (reply) {
            case U64Reply(int request, long value) -> {
                p.set(JAVA_LONG_UNALIGNED, 0, value);
                yield U64;
            }
            case VringBaseReply(int index, int num) -> {
                writeState(p, index, num);
                yield VRING_STATE;
            }
            case ShmemConfigReply shmem -> {
                p.set(JAVA_INT_UNALIGNED, 0, shmem.regionCount());
                p.set(JAVA_INT_UNALIGNED, 4, 0);
                for (int i = 0; i < ShmemConfigReply.MAX_REGIONS; i++) {
                    p.set(JAVA_LONG_UNALIGNED, 8 + 8L * i, i < shmem.sizes().size() ? shmem.sizes().get(i) : 0L);
                }
                yield SHMEM_CONFIG;
            }
            case ConfigReply(Optional<DeviceConfig> config) -> {
                if (config.isEmpty()) {
                    yield 0;
                }
                writeConfig(p, config.get());
                yield config.get().wireSize();
            }
        };
        MessageHeader.reply(reply.request(), size).write(out);
        return MessageHeader.BYTES + size;
    }

    /**
     * Reads a reply's payload (what a front-end does): a vring state for GET_VRING_BASE, a config
     * window (or none) for GET_CONFIG, a {@code u64} for everything else.
     */
    static BackEndReply decodeReply(MessageHeader header, MemorySegment payload) throws VhostUserProtocolException {
        Optional<RequestCode> code = RequestCode.of(header.request());
        try {
            if (code.equals(Optional.of(RequestCode.GET_VRING_BASE))) {
                requireSize(RequestCode.GET_VRING_BASE, payload, VRING_STATE);
                return new VringBaseReply(payload.get(JAVA_INT_UNALIGNED, 0), payload.get(JAVA_INT_UNALIGNED, 4));
            }
            if (code.equals(Optional.of(RequestCode.GET_SHMEM_CONFIG))) {
                requireSize(RequestCode.GET_SHMEM_CONFIG, payload, SHMEM_CONFIG);
                List<Long> sizes = new ArrayList<>();
                for (int i = 0; i < ShmemConfigReply.MAX_REGIONS; i++) {
                    sizes.add(payload.get(JAVA_LONG_UNALIGNED, 8 + 8L * i));
                }
                return new ShmemConfigReply(sizes);
            }
            if (code.equals(Optional.of(RequestCode.GET_CONFIG))) {
                return new ConfigReply(payload.byteSize() == 0 ? Optional.empty()
                        : Optional.of(config(RequestCode.GET_CONFIG, payload)));
            }
        } catch (IllegalArgumentException e) {
            throw new VhostUserProtocolException(ProtocolFault.INVALID_FIELD, e.getMessage());
        }
        if (payload.byteSize() != U64) {
            throw new VhostUserProtocolException(ProtocolFault.PAYLOAD_SIZE, "a reply to "
                    + RequestCode.describe(header.request()) + " carries a u64, got " + payload.byteSize() + " bytes");
        }
        return new U64Reply(header.request(), payload.get(JAVA_LONG_UNALIGNED, 0));
    }

    private static void writeState(MemorySegment p, int index, int num) {
        p.set(JAVA_INT_UNALIGNED, 0, index);
        p.set(JAVA_INT_UNALIGNED, 4, num);
    }

    private static void writeSingleRegion(MemorySegment p, MemoryRegion region) {
        p.set(JAVA_LONG_UNALIGNED, 0, 0L);
        writeRegion(p, 8, region);
    }

    private static void writeRegion(MemorySegment p, long offset, MemoryRegion region) {
        p.set(JAVA_LONG_UNALIGNED, offset, region.guestAddress());
        p.set(JAVA_LONG_UNALIGNED, offset + 8, region.size());
        p.set(JAVA_LONG_UNALIGNED, offset + 16, region.userAddress());
        p.set(JAVA_LONG_UNALIGNED, offset + 24, region.mmapOffset());
    }

    private static void writeConfig(MemorySegment p, DeviceConfig config) {
        p.set(JAVA_INT_UNALIGNED, 0, config.offset());
        p.set(JAVA_INT_UNALIGNED, 4, config.size());
        p.set(JAVA_INT_UNALIGNED, 8, config.flags());
        MemorySegment.copy(config.bytes(), 0, p, JAVA_BYTE, DeviceConfig.HEADER_BYTES, config.size());
    }
}
