package io.virtiofs.transport.vhostuser;

import java.util.List;
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

    /**
     * The answer to GET_SHMEM_CONFIG ({@code VhostUserShMemConfig}): the number of regions and
     * the size of each, by region id; a size of 0 is a region the device does not have.
     */
    record ShmemConfigReply(List<Long> sizes) implements BackEndReply {
        /** {@code VIRTIO_MAX_SHMEM_REGIONS}: the size array's length on the wire. */
        static final int MAX_REGIONS = 256;

        public ShmemConfigReply {
            sizes = List.copyOf(sizes);
            if (sizes.size() > MAX_REGIONS) {
                throw new IllegalArgumentException(sizes.size() + " shared memory regions are more than " + MAX_REGIONS);
            }
        }

        /** The regions whose size is not 0 ({@code nregions}). */
        int regionCount() {
            return (int) sizes.stream().filter(size -> size != 0).count();
        }

        @Override
        public int request() {
            return RequestCode.GET_SHMEM_CONFIG.code();
        }
    }

    /** A REPLY_ACK acknowledgement of {@code request}: status 0 for success, 1 for failure. */
    static U64Reply ack(int request, boolean success) {
        return new U64Reply(request, success ? 0 : 1);
    }
}
