package io.virtiofs.protocol.server;

/**
 * Where a transport learns a caller's supplementary groups, which a FUSE request does not carry:
 * for {@link io.virtiofs.api.Context#isInGroup}, when a file system checks permissions itself. A
 * /dev/fuse transport reads {@code /proc/PID/status}; a virtio-fs device has none (the guest's
 * processes are not the host's) and relies on the guest's own checks instead.
 */
@FunctionalInterface
public interface CallerGroups {

    /**
     * The supplementary groups of the thread {@code pid} names (as {@code fuse_in_header.pid}
     * does), or an empty array when they cannot be learned (pid 0, a thread that has exited).
     * Called at most once per request, on the thread serving it; must not throw.
     */
    int[] of(int pid);
}
