package io.virtiofs.protocol.server;

/**
 * How a transport should schedule a request ({@link FuseRequestHandler#classify}).
 */
public enum RequestClass {
    /** An ordinary request: serve it where requests are served. */
    NORMAL,
    /**
     * FORGET, BATCH_FORGET, INTERRUPT: what a virtio-fs driver sends on the hiprio queue
     * (virtio-fs specification, "Device Operation: High Priority Queue"); answered promptly, never
     * behind ordinary requests.
     */
    HIGH_PRIORITY,
    /**
     * Serving it may wait until other requests are served (FUSE_SETLKW: a lock wait ends when the
     * holder's unlock is served): run it on a thread of its own, never on a queue's or a worker's
     * only thread, so the request that ends the wait can still be read.
     */
    MAY_BLOCK
}
