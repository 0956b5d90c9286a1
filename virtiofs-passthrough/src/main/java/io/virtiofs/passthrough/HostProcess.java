package io.virtiofs.passthrough;

import io.virtiofs.transport.internal.nativeio.IdentityCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.ProcessCalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Process-wide settings a server of a shared directory makes once at start, as virtiofsd does:
 * the open file limit, and {@code chroot(2)} into the shared directory (the {@code chroot}
 * sandbox).
 */
public final class HostProcess {

    private static final Path NR_OPEN = Path.of("/proc/sys/fs/nr_open");
    private static final long DEFAULT_CEILING = 1_000_000;

    private HostProcess() {
    }

    /** The effective user id of this process. */
    public static int effectiveUid() {
        return IdentityCalls.geteuid();
    }

    /** The soft open file limit now. */
    public static long openFileLimit() throws IOException {
        return ProcessCalls.openFileLimit().soft();
    }

    /**
     * Sets the open file limit (soft and hard) to {@code limit}; raising the hard limit needs
     * CAP_SYS_RESOURCE.
     */
    public static void setOpenFileLimit(long limit) throws IOException {
        ProcessCalls.openFileLimit(new ProcessCalls.Limit(limit, limit));
    }

    /**
     * Raises the open file limit to min(1,000,000, {@code /proc/sys/fs/nr_open}) when it is
     * lower, as virtiofsd does by default (a guest may hold a descriptor per file it has looked
     * up); keeps it when raising is not allowed.
     *
     * @return the soft limit afterwards
     */
    public static long raiseOpenFileLimit() throws IOException {
        ProcessCalls.Limit now = ProcessCalls.openFileLimit();
        long ceiling = DEFAULT_CEILING;
        try {
            ceiling = Math.min(ceiling, Long.parseLong(Files.readString(NR_OPEN).trim()));
        } catch (IOException | NumberFormatException e) {
            // No /proc/sys: keep the default ceiling.
        }
        if (now.soft() >= 0 && now.soft() >= ceiling) {
            return now.soft();
        }
        try {
            ProcessCalls.openFileLimit(new ProcessCalls.Limit(ceiling, Math.max(ceiling, now.hard() < 0 ? ceiling : now.hard())));
        } catch (NativeException notAllowed) {
            if (now.hard() > now.soft()) {
                ProcessCalls.openFileLimit(new ProcessCalls.Limit(now.hard(), now.hard()));
            }
        }
        return ProcessCalls.openFileLimit().soft();
    }

    /**
     * {@code chroot(dir)} and {@code chdir("/")}: from now on the process sees only {@code dir}.
     * Everything the process needs later from outside it (its class files, native libraries,
     * {@code /proc}) must be open or loaded before.
     */
    public static void chrootInto(Path dir) throws IOException {
        ProcessCalls.chroot(dir.toString());
    }
}
