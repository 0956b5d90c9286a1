package io.virtiofs.transport.vhostuser;

import java.util.Optional;

/**
 * The front-end request types of the vhost-user protocol (QEMU docs/interop/vhost-user.rst,
 * "Front-end message types"), with their wire numbers.
 *
 * <p>Every number the protocol defines is named, so logs say what an unsupported request was;
 * {@link #supported()} tells the ones this back-end implements.
 */
enum RequestCode {
    GET_FEATURES(1, true),
    SET_FEATURES(2, true),
    SET_OWNER(3, true),
    RESET_OWNER(4, true),
    SET_MEM_TABLE(5, true),
    SET_LOG_BASE(6, false),
    SET_LOG_FD(7, false),
    SET_VRING_NUM(8, true),
    SET_VRING_ADDR(9, true),
    SET_VRING_BASE(10, true),
    GET_VRING_BASE(11, true),
    SET_VRING_KICK(12, true),
    SET_VRING_CALL(13, true),
    SET_VRING_ERR(14, true),
    GET_PROTOCOL_FEATURES(15, true),
    SET_PROTOCOL_FEATURES(16, true),
    GET_QUEUE_NUM(17, true),
    SET_VRING_ENABLE(18, true),
    SEND_RARP(19, false),
    NET_SET_MTU(20, false),
    SET_BACKEND_REQ_FD(21, true),
    IOTLB_MSG(22, false),
    SET_VRING_ENDIAN(23, false),
    GET_CONFIG(24, true),
    SET_CONFIG(25, true),
    CREATE_CRYPTO_SESSION(26, false),
    CLOSE_CRYPTO_SESSION(27, false),
    POSTCOPY_ADVISE(28, false),
    POSTCOPY_LISTEN(29, false),
    POSTCOPY_END(30, false),
    GET_INFLIGHT_FD(31, false),
    SET_INFLIGHT_FD(32, false),
    GPU_SET_SOCKET(33, false),
    RESET_DEVICE(34, true),
    VRING_KICK(35, false),
    GET_MAX_MEM_SLOTS(36, true),
    ADD_MEM_REG(37, true),
    REM_MEM_REG(38, true),
    SET_STATUS(39, true),
    GET_STATUS(40, true),
    GET_SHARED_OBJECT(41, false),
    SET_DEVICE_STATE_FD(42, false),
    CHECK_DEVICE_STATE(43, false),
    GET_SHMEM_CONFIG(44, true);

    private static final RequestCode[] BY_CODE = new RequestCode[45];

    static {
        for (RequestCode code : values()) {
            BY_CODE[code.code] = code;
        }
    }

    private final int code;
    private final boolean supported;

    RequestCode(int code, boolean supported) {
        this.code = code;
        this.supported = supported;
    }

    /** The wire number ({@code VhostUserRequest}). */
    int code() {
        return code;
    }

    /** Whether this back-end implements the request. */
    boolean supported() {
        return supported;
    }

    /** The request with wire number {@code code}, if the protocol defines one. */
    static Optional<RequestCode> of(int code) {
        return code > 0 && code < BY_CODE.length ? Optional.ofNullable(BY_CODE[code]) : Optional.empty();
    }

    /** A name for logs: the request's name, or "request N" for a number the protocol does not define. */
    static String describe(int code) {
        return of(code).map(Enum::name).orElse("request " + Integer.toUnsignedString(code));
    }
}
