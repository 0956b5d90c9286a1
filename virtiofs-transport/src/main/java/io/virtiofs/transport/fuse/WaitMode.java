package io.virtiofs.transport.fuse;

/** How the workers of a /dev/fuse session wait for requests ({@link FuseWorker}). */
enum WaitMode {
    /**
     * Blocking descriptors, one exclusive sleeper per idle worker in {@code read(2)}; stopped by
     * aborting the connection through the FUSE control file system ({@link ConnectionControl}).
     */
    BLOCKING_READ,
    /** Non-blocking descriptors polled with the session's stop eventfd: every idle worker wakes per request. */
    POLL
}
