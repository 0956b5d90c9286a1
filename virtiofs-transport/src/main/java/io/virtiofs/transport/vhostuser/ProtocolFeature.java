package io.virtiofs.transport.vhostuser;

/**
 * vhost-user protocol feature bits (vhost-user.rst, "Protocol features"), and the feature word
 * this back-end offers.
 *
 * <p>Offered: {@link #MQ} (GET_QUEUE_NUM: hiprio plus the request queues), {@link #REPLY_ACK},
 * {@link #CONFIG} (GET_CONFIG reads the virtio-fs configuration; SET_CONFIG is refused),
 * {@link #RESET_DEVICE}, {@link #CONFIGURE_MEM_SLOTS} (ADD_MEM_REG / REM_MEM_REG) and
 * {@link #STATUS}; with a DAX window also {@link #SHMEM}, {@link #BACKEND_REQ} and
 * {@link #BACKEND_SEND_FD} ({@link #offeredWithSharedMemory()}). Not offered: {@link #LOG_SHMFD}
 * (no dirty logging, so no live migration), {@link #INFLIGHT_SHMFD},
 * {@link #INBAND_NOTIFICATIONS} and the device-specific rest.
 */
enum ProtocolFeature {
    MQ(0),
    LOG_SHMFD(1),
    RARP(2),
    REPLY_ACK(3),
    MTU(4),
    BACKEND_REQ(5),
    CROSS_ENDIAN(6),
    CRYPTO_SESSION(7),
    PAGEFAULT(8),
    CONFIG(9),
    BACKEND_SEND_FD(10),
    HOST_NOTIFIER(11),
    INFLIGHT_SHMFD(12),
    RESET_DEVICE(13),
    INBAND_NOTIFICATIONS(14),
    CONFIGURE_MEM_SLOTS(15),
    STATUS(16),
    XEN_MMAP(17),
    SHARED_OBJECT(18),
    DEVICE_STATE(19),
    GET_VRING_BASE_INFLIGHT(20),
    GPA_ADDRESSES(21),
    /**
     * VIRTIO shared memory regions (GET_SHMEM_CONFIG, the back-end's SHMEM_MAP / SHMEM_UNMAP):
     * bit 22 in QEMU 11.1 ({@code VHOST_USER_PROTOCOL_F_SHMEM_MAP} in its vhost-user.rst; early
     * drafts of the series used 20, which QEMU 11.1 gives to GET_VRING_BASE_INFLIGHT).
     */
    SHMEM(22);

    /**
     * {@code VHOST_USER_F_PROTOCOL_FEATURES}: the virtio feature bit (30, unused by virtio) by
     * which a back-end says it speaks GET/SET_PROTOCOL_FEATURES.
     */
    static final long VIRTIO_F_PROTOCOL_FEATURES = 1L << 30;

    private final int bit;

    ProtocolFeature(int bit) {
        this.bit = bit;
    }

    long mask() {
        return 1L << bit;
    }

    boolean isSetIn(long features) {
        return (features & mask()) != 0;
    }

    /** The protocol features this back-end offers. */
    static long offered() {
        return MQ.mask() | REPLY_ACK.mask() | CONFIG.mask() | RESET_DEVICE.mask() | CONFIGURE_MEM_SLOTS.mask()
                | STATUS.mask();
    }

    /**
     * The protocol features offered by a back-end with a DAX window: {@link #offered()} and
     * {@link #SHMEM} (the window is shared memory region 0), {@link #BACKEND_REQ} and
     * {@link #BACKEND_SEND_FD} (the channel on which the back-end sends SHMEM_MAP with the file's
     * descriptor and SHMEM_UNMAP).
     */
    static long offeredWithSharedMemory() {
        return offered() | SHMEM.mask() | BACKEND_REQ.mask() | BACKEND_SEND_FD.mask();
    }

    /** Names of the bits in {@code features}, unknown ones as "bit N". */
    static String describe(long features) {
        StringBuilder text = new StringBuilder();
        for (int bit = 0; bit < 64; bit++) {
            if ((features & (1L << bit)) != 0) {
                text.append(text.isEmpty() ? "" : "|").append(bit < values().length ? values()[bit].name() : "bit " + bit);
            }
        }
        return text.isEmpty() ? "none" : text.toString();
    }
}
