package io.virtiofs.transport.vhostuser;

import io.virtiofs.protocol.migration.DeviceState;
import io.virtiofs.protocol.migration.MigrationOnError;
import io.virtiofs.transport.device.VirtioFsDevice;
import io.virtiofs.transport.vhostuser.BackEndReply.U64Reply;
import io.virtiofs.transport.vhostuser.FrontEndMessage.Migration;
import io.virtiofs.transport.vhostuser.FrontEndMessage.Migration.CheckDeviceState;
import io.virtiofs.transport.vhostuser.FrontEndMessage.Migration.SetDeviceStateFd;
import io.virtiofs.transport.vhostuser.FrontEndMessage.Migration.SetLogBase;
import io.virtiofs.transport.vhostuser.FrontEndMessage.Migration.SetLogFd;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Live migration for one front-end connection (vhost-user.rst, "Migration" and "Migrating
 * back-end state"): the features that announce it, the dirty log the queues write into while the
 * VMM copies guest memory, and the device-state transfer.
 *
 * <p>Offered only when the request handler can migrate ({@link DeviceState} without a
 * {@link DeviceState#migrationBlocker() blocker}): then {@code VHOST_F_LOG_ALL},
 * {@code LOG_SHMFD} and {@code DEVICE_STATE}. Otherwise none of them, which makes QEMU block
 * migration up front ("vhost-user backend lacks VHOST_USER_PROTOCOL_F_LOG_SHMFD"); the reason is
 * logged here when the front-end connects.
 *
 * <p>Logging: with {@code VHOST_F_LOG_ALL} accepted and a log set, every byte a reply writes is
 * marked; a ring whose address came with {@code VHOST_VRING_F_LOG} also marks its used ring at
 * {@code log_guest_addr}. Logs replaced by a later SET_LOG_BASE stay mapped until the connection
 * ends (a queue may be writing into one at that moment).
 */
final class MigrationSupport implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(MigrationSupport.class.getName());
    /** {@code VHOST_F_LOG_ALL}: the virtio feature bit by which the front-end turns logging on. */
    static final long VHOST_F_LOG_ALL = 1L << 26;

    private final VirtioFsDevice device;
    private final @Nullable DeviceStateTransfer transfer;
    private final List<DirtyLog> logs = new ArrayList<>();
    private @Nullable DirtyLog current;
    private boolean logAll;
    private long protocolFeatures;

    MigrationSupport(VirtioFsDevice device, Optional<DeviceState> state, MigrationOnError onError) {
        this.device = device;
        Optional<String> blocker = state.isEmpty()
                ? Optional.of("the request handler cannot save its state")
                : state.get().migrationBlocker();
        if (blocker.isPresent()) {
            LOG.log(System.Logger.Level.WARNING, "live migration is not offered to this front-end: " + blocker.get()
                    + " (QEMU blocks migrating the VM)");
            this.transfer = null;
        } else {
            this.transfer = new DeviceStateTransfer(state.get(), device, onError);
        }
    }

    /** Whether migration is offered. */
    boolean offered() {
        return transfer != null;
    }

    /** The virtio feature bits offered for migration. */
    long virtioFeatures() {
        return offered() ? VHOST_F_LOG_ALL : 0;
    }

    /** The protocol feature bits offered for migration. */
    long protocolFeaturesOffered() {
        return offered() ? ProtocolFeature.LOG_SHMFD.mask() | ProtocolFeature.DEVICE_STATE.mask() : 0;
    }

    /** The front-end accepted {@code features} protocol features. */
    void protocolFeaturesAccepted(long features) {
        protocolFeatures = features;
    }

    /** SET_FEATURES: takes {@link #VHOST_F_LOG_ALL} out (it is not the driver's) and starts or stops logging. */
    long acceptFeatures(long features) {
        logAll = (features & VHOST_F_LOG_ALL) != 0;
        apply();
        return features & ~VHOST_F_LOG_ALL;
    }

    private void apply() {
        device.logWrites(logAll ? current : null);
    }

    /** SET_VRING_ADDR's logging of the used ring: the address to log it at, or -1. */
    long usedRingLogAddress(VringAddress address) throws VhostUserProtocolException {
        if (!address.logsUsedRing()) {
            return -1;
        }
        if (!ProtocolFeature.LOG_SHMFD.isSetIn(protocolFeatures)) {
            throw new VhostUserProtocolException(ProtocolFault.UNSUPPORTED, "vring " + address.index()
                    + " asks for used ring logging, which needs LOG_SHMFD (not negotiated)");
        }
        if (address.logGuestAddress() < 0) {
            throw new VhostUserProtocolException(ProtocolFault.INVALID_FIELD, "vring " + address.index()
                    + " log address 0x" + Long.toHexString(address.logGuestAddress()));
        }
        return address.logGuestAddress();
    }

    Optional<BackEndReply> handle(Migration message, ReceivedFds fds) throws VhostUserProtocolException {
        int code = message.request();
        switch (message) {
            case SetLogBase(long size, long offset) -> {
                require(ProtocolFeature.LOG_SHMFD, message);
                if (size <= 0 || offset < 0 || size > Long.MAX_VALUE - offset) {
                    throw new VhostUserProtocolException(ProtocolFault.INVALID_FIELD, "dirty log of " + size
                            + " bytes at offset " + offset);
                }
                FrontEndDescriptors.guardLog(fds.peek(0), offset + size);
                DirtyLog log = DirtyLog.map(fds.peek(0), size, offset);
                logs.add(log);
                current = log;
                apply();
                LOG.log(System.Logger.Level.DEBUG, "dirty log of {0} bytes set", size);
                // With LOG_SHMFD the front-end waits for an answer to SET_LOG_BASE.
                return Optional.of(new U64Reply(code, 0));
            }
            case SetLogFd _ -> {
                require(ProtocolFeature.LOG_SHMFD, message);
                return Optional.empty(); // the descriptor is closed with the request: nothing is signalled on it
            }
            // Both define a u64 answer: without DEVICE_STATE it says failure (the connection lives on).
            case SetDeviceStateFd(int direction, int phase) -> {
                if (!deviceStateNegotiated(message)) {
                    return Optional.of(new U64Reply(code, DeviceStateTransfer.NO_FD | DeviceStateTransfer.FAILED));
                }
                return Optional.of(new U64Reply(code, transfer().begin(direction, phase, fds.take(0))));
            }
            case CheckDeviceState _ -> {
                if (!deviceStateNegotiated(message)) {
                    return Optional.of(new U64Reply(code, DeviceStateTransfer.FAILED));
                }
                return Optional.of(new U64Reply(code, transfer().check()));
            }
        }
    }

    private boolean deviceStateNegotiated(Migration message) {
        if (ProtocolFeature.DEVICE_STATE.isSetIn(protocolFeatures) && transfer != null) {
            return true;
        }
        LOG.log(System.Logger.Level.WARNING, RequestCode.describe(message.request()) + " refused: DEVICE_STATE was "
                + (offered() ? "not negotiated" : "not offered: this back-end cannot migrate (see above)"));
        return false;
    }

    private DeviceStateTransfer transfer() {
        DeviceStateTransfer t = transfer;
        if (t == null) {
            throw new IllegalStateException("no transfer without DEVICE_STATE");
        }
        return t;
    }

    private void require(ProtocolFeature feature, Migration message) throws VhostUserProtocolException {
        if (!feature.isSetIn(protocolFeatures)) {
            throw new VhostUserProtocolException(ProtocolFault.UNSUPPORTED, RequestCode.describe(message.request())
                    + " needs " + feature + ", which was " + (offered() ? "not negotiated" : "not offered: this back-end"
                    + " cannot migrate (see its log)"));
        }
    }

    /** Ends a transfer still running and unmaps the logs; call after the device's queues stopped. */
    @Override
    public void close() {
        DeviceStateTransfer t = transfer;
        if (t != null) {
            t.close();
        }
        device.logWrites(null);
        current = null;
        for (DirtyLog log : logs) {
            log.close();
        }
        logs.clear();
    }
}
