package io.virtiofs.transport.vhostuser;

import java.util.Optional;

/**
 * A reply the back-end sends (vhost-user.rst, "Communication"): the header carries the request
 * answered and the reply flag.
 */
sealed interface BackEndReply {

    /** The wire number of the request answered. */
    int request();

    /**
     * A {@code u64} reply: the answer to GET_FEATURES, GET_PROTOCOL_FEATURES, GET_QUEUE_NUM,
     * GET_MAX_MEM_SLOTS and GET_STATUS, or a REPLY_ACK status (0 success, non-zero failure).
     */
    record U64Reply(int request, long value) implements BackEndReply {
    }

    /** The answer to GET_VRING_BASE: the vring's index and its next available index. */
    record VringBaseReply(int index, int num) implements BackEndReply {
        @Override
        public int request() {
            return RequestCode.GET_VRING_BASE.code();
        }
    }

    /**
     * The answer to GET_CONFIG: the window asked for, or none (an empty payload, which the
     * protocol defines as the error answer).
     */
    record ConfigReply(Optional<DeviceConfig> config) implements BackEndReply {
        @Override
        public int request() {
            return RequestCode.GET_CONFIG.code();
        }
    }

    /** A REPLY_ACK acknowledgement of {@code request}: status 0 for success, 1 for failure. */
    static U64Reply ack(int request, boolean success) {
        return new U64Reply(request, success ? 0 : 1);
    }
}
