package io.virtiofs.api;

/**
 * A poll ({@code struct fuse_poll_in}).
 *
 * @param nodeid the file
 * @param fh the open file's handle
 * @param kh the driver's poll handle, for {@link Notifier#pollWakeup(long)}
 * @param flags {@link #SCHEDULE_NOTIFY}: the driver wants a wakeup notification when the
 *     events change
 * @param events the events the caller waits for
 */
public record PollRequest(long nodeid, long fh, long kh, int flags, PollEvents events) {

    public PollRequest {
        java.util.Objects.requireNonNull(events, "events");
    }

    /** FUSE_POLL_SCHEDULE_NOTIFY. */
    public static final int SCHEDULE_NOTIFY = 1;

    public boolean scheduleNotify() {
        return (flags & SCHEDULE_NOTIFY) != 0;
    }
}
