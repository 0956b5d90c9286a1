package io.virtiofs.transport.vhostuser;

import java.util.List;

/**
 * The payload of one front-end request, decoded and range-checked (vhost-user.rst, "Front-end
 * message types"). {@link MessageCodec} reads and writes them; the descriptors that came along
 * travel beside the message, in a {@link FrontEndRequest}.
 *
 * <p>Indexes and counts the wire carries as unsigned 32-bit numbers stay {@code int}s here and
 * are compared unsigned by whoever checks them against the device.
 */
sealed interface FrontEndMessage {

    /** The request's wire number ({@link RequestCode#code()}). */
    int request();

    /** How many descriptors must come with the message. */
    default int expectedFds() {
        return 0;
    }

    /** {@code VHOST_USER_GET_FEATURES}: the back-end's virtio features. */
    record GetFeatures() implements FrontEndMessage {
        @Override public int request() { return RequestCode.GET_FEATURES.code(); }
    }

    /** {@code VHOST_USER_SET_FEATURES}: the features the driver accepted (and PROTOCOL_FEATURES). */
    record SetFeatures(long features) implements FrontEndMessage {
        @Override public int request() { return RequestCode.SET_FEATURES.code(); }
    }

    /** {@code VHOST_USER_SET_OWNER}: a session starts. */
    record SetOwner() implements FrontEndMessage {
        @Override public int request() { return RequestCode.SET_OWNER.code(); }
    }

    /** {@code VHOST_USER_RESET_OWNER}: deprecated; disable every ring. */
    record ResetOwner() implements FrontEndMessage {
        @Override public int request() { return RequestCode.RESET_OWNER.code(); }
    }

    /** {@code VHOST_USER_SET_MEM_TABLE}: the whole memory map, one descriptor per region. */
    record SetMemTable(List<MemoryRegion> regions) implements FrontEndMessage {
        /** {@code VHOST_MEMORY_BASELINE_NREGIONS}: the most regions one table carries. */
        static final int MAX_REGIONS = 8;

        public SetMemTable {
            regions = List.copyOf(regions);
            if (regions.size() > MAX_REGIONS) {
                throw new IllegalArgumentException(regions.size() + " memory regions are more than " + MAX_REGIONS);
            }
        }

        @Override public int request() { return RequestCode.SET_MEM_TABLE.code(); }

        @Override public int expectedFds() { return regions.size(); }
    }

    /** {@code VHOST_USER_SET_VRING_NUM}: a vring's size. */
    record SetVringNum(int index, int num) implements FrontEndMessage {
        @Override public int request() { return RequestCode.SET_VRING_NUM.code(); }
    }

    /** {@code VHOST_USER_SET_VRING_ADDR}: where a vring lives. */
    record SetVringAddr(VringAddress address) implements FrontEndMessage {
        @Override public int request() { return RequestCode.SET_VRING_ADDR.code(); }
    }

    /** {@code VHOST_USER_SET_VRING_BASE}: the next available index the back-end reads. */
    record SetVringBase(int index, int num) implements FrontEndMessage {
        @Override public int request() { return RequestCode.SET_VRING_BASE.code(); }
    }

    /** {@code VHOST_USER_GET_VRING_BASE}: stop the vring and report its next available index. */
    record GetVringBase(int index, int num) implements FrontEndMessage {
        @Override public int request() { return RequestCode.GET_VRING_BASE.code(); }
    }

    /**
     * {@code VHOST_USER_SET_VRING_KICK}, {@code _CALL} and {@code _ERR}: a vring's eventfd (a
     * {@code u64}: the index in bits 0-7, bit 8 set when no descriptor comes).
     */
    sealed interface VringFile extends FrontEndMessage {
        /** Bit 8 of the payload: no descriptor comes (poll instead). */
        long NO_FD = 0x100;
        /** The bits that may be set: index and {@link #NO_FD}. */
        long KNOWN_BITS = 0x1ff;

        int index();

        boolean noFd();

        @Override
        default int expectedFds() {
            return noFd() ? 0 : 1;
        }

        /** The payload word. */
        default long word() {
            return index() | (noFd() ? NO_FD : 0);
        }
    }

    /** {@code VHOST_USER_SET_VRING_KICK}: the eventfd the driver's notifications arrive on. */
    record SetVringKick(int index, boolean noFd) implements VringFile {
        public SetVringKick { requireByteIndex(index); }
        @Override public int request() { return RequestCode.SET_VRING_KICK.code(); }
    }

    /** {@code VHOST_USER_SET_VRING_CALL}: the eventfd that interrupts the driver. */
    record SetVringCall(int index, boolean noFd) implements VringFile {
        public SetVringCall { requireByteIndex(index); }
        @Override public int request() { return RequestCode.SET_VRING_CALL.code(); }
    }

    /** {@code VHOST_USER_SET_VRING_ERR}: the eventfd to signal a vring's errors on. */
    record SetVringErr(int index, boolean noFd) implements VringFile {
        public SetVringErr { requireByteIndex(index); }
        @Override public int request() { return RequestCode.SET_VRING_ERR.code(); }
    }

    /** {@code VHOST_USER_GET_PROTOCOL_FEATURES}. */
    record GetProtocolFeatures() implements FrontEndMessage {
        @Override public int request() { return RequestCode.GET_PROTOCOL_FEATURES.code(); }
    }

    /** {@code VHOST_USER_SET_PROTOCOL_FEATURES}. */
    record SetProtocolFeatures(long features) implements FrontEndMessage {
        @Override public int request() { return RequestCode.SET_PROTOCOL_FEATURES.code(); }
    }

    /** {@code VHOST_USER_GET_QUEUE_NUM}: how many queues the back-end has. */
    record GetQueueNum() implements FrontEndMessage {
        @Override public int request() { return RequestCode.GET_QUEUE_NUM.code(); }
    }

    /** {@code VHOST_USER_SET_VRING_ENABLE}: enable (num 1) or disable (num 0) a vring. */
    record SetVringEnable(int index, boolean enable) implements FrontEndMessage {
        @Override public int request() { return RequestCode.SET_VRING_ENABLE.code(); }
    }

    /** {@code VHOST_USER_GET_CONFIG}: read a window of the configuration space (the bytes sent are ignored). */
    record GetConfig(DeviceConfig config) implements FrontEndMessage {
        @Override public int request() { return RequestCode.GET_CONFIG.code(); }
    }

    /** {@code VHOST_USER_SET_CONFIG}: write a window of the configuration space. */
    record SetConfig(DeviceConfig config) implements FrontEndMessage {
        @Override public int request() { return RequestCode.SET_CONFIG.code(); }
    }

    /** {@code VHOST_USER_RESET_DEVICE}: disable every ring and forget the device state. */
    record ResetDevice() implements FrontEndMessage {
        @Override public int request() { return RequestCode.RESET_DEVICE.code(); }
    }

    /** {@code VHOST_USER_GET_MAX_MEM_SLOTS}. */
    record GetMaxMemSlots() implements FrontEndMessage {
        @Override public int request() { return RequestCode.GET_MAX_MEM_SLOTS.code(); }
    }

    /** {@code VHOST_USER_ADD_MEM_REG}: map one more region, from the one descriptor sent along. */
    record AddMemReg(MemoryRegion region) implements FrontEndMessage {
        @Override public int request() { return RequestCode.ADD_MEM_REG.code(); }

        @Override public int expectedFds() { return 1; }
    }

    /**
     * {@code VHOST_USER_REM_MEM_REG}: unmap the region with this guest address, user address and
     * size. A descriptor sent along anyway is closed unused, as the protocol allows.
     */
    record RemMemReg(MemoryRegion region) implements FrontEndMessage {
        @Override public int request() { return RequestCode.REM_MEM_REG.code(); }
    }

    /** {@code VHOST_USER_SET_STATUS}: the virtio device status byte. */
    record SetStatus(int status) implements FrontEndMessage {
        public SetStatus {
            if (status < 0 || status > 0xff) {
                throw new IllegalArgumentException("device status " + status + " is not a byte");
            }
        }

        @Override public int request() { return RequestCode.SET_STATUS.code(); }
    }

    /** {@code VHOST_USER_GET_STATUS}. */
    record GetStatus() implements FrontEndMessage {
        @Override public int request() { return RequestCode.GET_STATUS.code(); }
    }

    /**
     * {@code VHOST_USER_SET_BACKEND_REQ_FD}: the socket on which the back-end sends its own
     * requests (SHMEM_MAP, SHMEM_UNMAP) and reads the front-end's replies.
     */
    record SetBackendReqFd() implements FrontEndMessage {
        @Override public int request() { return RequestCode.SET_BACKEND_REQ_FD.code(); }

        @Override public int expectedFds() { return 1; }
    }

    /** {@code VHOST_USER_GET_SHMEM_CONFIG}: the sizes of the device's VIRTIO shared memory regions. */
    record GetShmemConfig() implements FrontEndMessage {
        @Override public int request() { return RequestCode.GET_SHMEM_CONFIG.code(); }
    }

    /**
     * A request this back-end does not implement, or a number the protocol does not define; its
     * payload was read (so the next message can be) and any descriptors closed.
     *
     * @param request the wire number
     * @param payloadSize the payload's size
     */
    record Unsupported(int request, int payloadSize) implements FrontEndMessage {
        public Unsupported {
            if (payloadSize < 0 || payloadSize > MessageHeader.MAX_PAYLOAD) {
                throw new IllegalArgumentException("payload size " + payloadSize + " is outside 0.." + MessageHeader.MAX_PAYLOAD);
            }
        }

        /** The request's name, for messages. */
        String name() {
            return RequestCode.describe(request);
        }
    }

    private static void requireByteIndex(int index) {
        if (index < 0 || index > 0xff) {
            throw new IllegalArgumentException("vring index " + index + " does not fit bits 0-7");
        }
    }
}
