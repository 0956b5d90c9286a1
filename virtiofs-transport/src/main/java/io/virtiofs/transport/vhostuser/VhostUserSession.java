package io.virtiofs.transport.vhostuser;

import io.virtiofs.transport.device.ConfigAccessException;
import io.virtiofs.transport.device.DeviceStatus;
import io.virtiofs.transport.device.VirtioFsDevice;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.vhostuser.BackEndReply.ConfigReply;
import io.virtiofs.transport.vhostuser.BackEndReply.ShmemConfigReply;
import io.virtiofs.transport.vhostuser.BackEndReply.U64Reply;
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
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One front-end connection: reads its requests in order, drives the {@link VirtioFsDevice}, and
 * answers (vhost-user.rst, "Front-end message types").
 *
 * <p>Replies: the requests that define one get it; any other request with need_reply gets a
 * {@code u64} status (REPLY_ACK). A request the back-end cannot honour gets a failure status when
 * the front-end asked for one, an empty GET_CONFIG answer where the protocol defines that as the
 * error, and otherwise ends the connection ("the back-end may close the connection"), as does any
 * fault that loses the message framing. Nothing a front-end sends crashes the process or leaves
 * it waiting.
 *
 * <p>{@link #close()} tears the device down: queues stopped, the FUSE session ended, guest memory
 * unmapped, every eventfd closed.
 */
final class VhostUserSession implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(VhostUserSession.class.getName());

    private final MessageChannel channel;
    private final VirtioFsDevice device;
    private final MemoryMap memory;
    private final Vrings vrings;
    private final @Nullable VhostUserDaxBacking dax;
    private long protocolFeatures;
    private int status;

    VhostUserSession(MessageChannel channel, VirtioFsDevice device) {
        this(channel, device, false);
    }

    /** @param acceptUnsealedMemory whether guest memory that cannot be sealed against shrinking is accepted */
    VhostUserSession(MessageChannel channel, VirtioFsDevice device, boolean acceptUnsealedMemory) {
        this(channel, device, acceptUnsealedMemory, null);
    }

    /**
     * @param acceptUnsealedMemory whether guest memory that cannot be sealed against shrinking is accepted
     * @param dax the DAX window the front-end holds (shared memory region 0), or null for none
     */
    VhostUserSession(MessageChannel channel, VirtioFsDevice device, boolean acceptUnsealedMemory,
                     @Nullable VhostUserDaxBacking dax) {
        this.dax = dax;
        this.channel = channel;
        this.device = device;
        this.memory = new MemoryMap(device, acceptUnsealedMemory);
        this.vrings = new Vrings(device, memory);
        device.setConfigCall(vrings::signalFaults);
    }

    /** The virtio features offered: the device's and VHOST_USER_F_PROTOCOL_FEATURES. */
    long offeredFeatures() {
        return device.deviceFeatures() | ProtocolFeature.VIRTIO_F_PROTOCOL_FEATURES;
    }

    /** Serves requests until the front-end disconnects, the stop descriptor fires, or a fault ends the connection. */
    void run() {
        try {
            while (true) {
                Optional<FrontEndRequest> next;
                try {
                    next = channel.receiveRequest();
                } catch (VhostUserProtocolException e) {
                    if (!answerFault(e)) {
                        return;
                    }
                    continue;
                }
                if (next.isEmpty()) {
                    return;
                }
                if (!serve(next.get())) {
                    return;
                }
            }
        } catch (NativeException e) {
            LOG.log(System.Logger.Level.WARNING, "vhost-user connection failed: " + e.getMessage());
        }
    }

    /**
     * Handles one request and answers it once its descriptors not taken are closed (a front-end
     * that waits for the answer sees the back-end's final state); false when the connection must end.
     */
    private boolean serve(FrontEndRequest request) throws NativeException {
        LOG.log(System.Logger.Level.DEBUG, () -> request.message() + (request.needsReply() ? " (need_reply)" : "")
                + (request.fds().count() > 0 ? " with " + request.fds().count() + " fd(s)" : ""));
        Optional<BackEndReply> reply;
        try (request) {
            reply = handle(request);
        } catch (VhostUserProtocolException e) {
            return answerFault(e.about(request.header()));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "handling " + request.message() + " failed", e);
            return answerFault(new VhostUserProtocolException(ProtocolFault.UNSUPPORTED, "internal failure: " + e)
                    .about(request.header()));
        }
        if (reply.isPresent()) {
            channel.send(reply.get());
        } else if (request.needsReply()) {
            channel.send(BackEndReply.ack(request.header().request(), true));
        }
        return true;
    }

    /**
     * Answers a fault: a failure status when the front-end asked for an acknowledgement, an empty
     * GET_CONFIG answer; otherwise the connection ends.
     *
     * @return whether the connection goes on
     */
    private boolean answerFault(VhostUserProtocolException fault) throws NativeException {
        Optional<MessageHeader> header = fault.header();
        if (fault.fault().breaksFraming() || header.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "ending the vhost-user connection: " + fault.getMessage());
            return false;
        }
        int request = header.get().request();
        if (request == RequestCode.GET_CONFIG.code()) {
            LOG.log(System.Logger.Level.WARNING, "GET_CONFIG refused: " + fault.getMessage());
            channel.send(new ConfigReply(Optional.empty()));
            return true;
        }
        if (header.get().needsReply() && !definesReply(request)) {
            LOG.log(System.Logger.Level.WARNING, RequestCode.describe(request) + " refused: " + fault.getMessage());
            channel.send(BackEndReply.ack(request, false));
            return true;
        }
        LOG.log(System.Logger.Level.WARNING, "ending the vhost-user connection: " + RequestCode.describe(request)
                + " cannot be answered: " + fault.getMessage());
        return false;
    }

    /** Whether the protocol defines a reply of its own for {@code request} (need_reply changes nothing). */
    private static boolean definesReply(int request) {
        return RequestCode.of(request).map(code -> switch (code) {
            case GET_FEATURES, GET_PROTOCOL_FEATURES, GET_VRING_BASE, GET_QUEUE_NUM, GET_CONFIG, GET_MAX_MEM_SLOTS,
                 GET_STATUS, GET_SHMEM_CONFIG, GET_INFLIGHT_FD, POSTCOPY_ADVISE, POSTCOPY_END, IOTLB_MSG, GET_SHARED_OBJECT,
                 SET_DEVICE_STATE_FD, CHECK_DEVICE_STATE, CREATE_CRYPTO_SESSION -> true;
            default -> false;
        }).orElse(false);
    }

    private Optional<BackEndReply> handle(FrontEndRequest request) throws VhostUserProtocolException {
        FrontEndMessage message = request.message();
        int code = message.request();
        switch (message) {
            case GetFeatures _ -> {
                return Optional.of(new U64Reply(code, offeredFeatures()));
            }
            case SetFeatures(long features) -> setFeatures(features);
            case GetProtocolFeatures _ -> {
                return Optional.of(new U64Reply(code, offeredProtocolFeatures()));
            }
            case SetProtocolFeatures(long features) -> setProtocolFeatures(features);
            case SetOwner _ -> LOG.log(System.Logger.Level.DEBUG, "front-end took ownership");
            case ResetOwner _ -> vrings.disableAll();
            case ResetDevice _ -> resetDevice();
            case GetQueueNum _ -> {
                return Optional.of(new U64Reply(code, device.queueCount()));
            }
            case GetMaxMemSlots _ -> {
                return Optional.of(new U64Reply(code, MemoryMap.MAX_SLOTS));
            }
            case SetMemTable(var regions) -> memory.replace(regions, request.fds());
            case AddMemReg(MemoryRegion region) -> memory.add(region, request.fds());
            case RemMemReg(MemoryRegion region) -> memory.remove(region, () -> dax != null && dax.awaitingFrontEnd());
            case SetVringNum(int index, int num) -> vrings.setNum(index, num);
            case SetVringBase(int index, int num) -> vrings.setBase(index, num);
            case SetVringAddr(VringAddress address) -> vrings.setAddress(address);
            case GetVringBase(int index, int ignored) -> {
                return Optional.of(vrings.stop(index));
            }
            case SetVringKick(int index, boolean noFd) -> vrings.setKick(index, noFd, request.fds());
            case SetVringCall(int index, boolean noFd) -> vrings.setCall(index, noFd, request.fds());
            case SetVringErr(int index, boolean noFd) -> vrings.setError(index, noFd, request.fds());
            case SetVringEnable(int index, boolean enable) -> vrings.setEnabled(index, enable);
            case GetConfig(DeviceConfig config) -> {
                return Optional.of(readConfig(config));
            }
            case SetConfig(DeviceConfig config) -> writeConfig(config);
            case SetStatus(int bits) -> setStatus(bits);
            case GetStatus _ -> {
                return Optional.of(new U64Reply(code, status()));
            }
            case SetBackendReqFd _ -> setBackendChannel(request.fds());
            case GetShmemConfig _ -> {
                return Optional.of(shmemConfig());
            }
            case Unsupported unsupported -> throw new VhostUserProtocolException(ProtocolFault.UNSUPPORTED,
                    unsupported.name() + " is not supported by this back-end");
        }
        return Optional.empty();
    }

    private void setFeatures(long features) throws VhostUserProtocolException {
        long unknown = features & ~offeredFeatures();
        if (unknown != 0) {
            throw new VhostUserProtocolException(ProtocolFault.INVALID_FIELD, "features 0x" + Long.toHexString(unknown)
                    + " were not offered");
        }
        vrings.startDisabled((features & ProtocolFeature.VIRTIO_F_PROTOCOL_FEATURES) != 0);
        device.setDriverFeatures(features & ~ProtocolFeature.VIRTIO_F_PROTOCOL_FEATURES);
    }

    private void setProtocolFeatures(long features) throws VhostUserProtocolException {
        long unknown = features & ~offeredProtocolFeatures();
        if (unknown != 0) {
            throw new VhostUserProtocolException(ProtocolFault.INVALID_FIELD, "protocol features "
                    + ProtocolFeature.describe(unknown) + " were not offered");
        }
        protocolFeatures = features;
        LOG.log(System.Logger.Level.DEBUG, "protocol features {0}", ProtocolFeature.describe(features));
    }

    /** The protocol features offered: with a DAX window, those of shared memory too. */
    private long offeredProtocolFeatures() {
        return dax != null ? ProtocolFeature.offeredWithSharedMemory() : ProtocolFeature.offered();
    }

    /** SET_BACKEND_REQ_FD: the DAX window's requests go on this socket from now on. */
    private void setBackendChannel(ReceivedFds fds) throws VhostUserProtocolException {
        if (dax == null || !ProtocolFeature.BACKEND_REQ.isSetIn(protocolFeatures)) {
            throw new VhostUserProtocolException(ProtocolFault.UNSUPPORTED,
                    "SET_BACKEND_REQ_FD without VHOST_USER_PROTOCOL_F_BACKEND_REQ negotiated");
        }
        dax.attach(new BackEndChannel(fds.take(0), dax.timeout()));
        LOG.log(System.Logger.Level.DEBUG, "back-end channel set up for the DAX window");
    }

    /** GET_SHMEM_CONFIG: region 0, the DAX window, when there is one; no region otherwise. */
    private ShmemConfigReply shmemConfig() {
        return new ShmemConfigReply(dax != null ? List.of(dax.size()) : List.of());
    }

    /** The protocol features the front-end accepted. */
    long protocolFeatures() {
        return protocolFeatures;
    }

    private void resetDevice() {
        if (dax != null) {
            // The front-end unmaps every mapping at a device reset (vhost-user.rst, SHMEM_MAP).
            dax.deviceReset();
            device.daxWindow().ifPresent(window -> {
                if (window instanceof io.virtiofs.transport.device.DaxWindowTable table) {
                    table.forget();
                }
            });
        }
        device.reset();
        vrings.reset();
        vrings.startDisabled(false);
        status = 0;
    }

    private ConfigReply readConfig(DeviceConfig request) {
        try {
            byte[] bytes = device.readConfig(request.offset(), request.size());
            return new ConfigReply(Optional.of(new DeviceConfig(request.offset(), request.flags(), bytes)));
        } catch (ConfigAccessException e) {
            LOG.log(System.Logger.Level.WARNING, "GET_CONFIG refused: " + e.getMessage());
            return new ConfigReply(Optional.empty());
        }
    }

    private void writeConfig(DeviceConfig config) throws VhostUserProtocolException {
        try {
            device.writeConfig(config.offset(), config.bytes());
        } catch (ConfigAccessException e) {
            throw new VhostUserProtocolException(ProtocolFault.INVALID_FIELD, e.getMessage());
        }
    }

    /**
     * SET_STATUS. A zero status is recorded but does not reset the device: QEMU sends it on every
     * stop, before GET_VRING_BASE, whose answer must still be the ring's position. The device is
     * reset by RESET_DEVICE and at disconnection.
     */
    private void setStatus(int bits) {
        status = bits;
        if (bits != 0) {
            device.setStatus(bits);
        }
    }

    /** GET_STATUS: the device's status (FEATURES_OK only if it accepted the features), DEVICE_NEEDS_RESET included. */
    private int status() {
        int deviceBits = device.status().bits();
        return status == 0 ? deviceBits & DeviceStatus.DEVICE_NEEDS_RESET : deviceBits;
    }

    /** Stops every queue, ends the FUSE session, unmaps guest memory and closes every eventfd. */
    @Override
    public void close() {
        try {
            device.close();
        } finally {
            try {
                vrings.close();
            } finally {
                if (dax != null) {
                    dax.detach();
                }
            }
        }
    }
}
