package io.virtiofs.passthrough;

import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.transport.internal.nativeio.CredentialCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Carrying a request out as its caller, on the serving thread only.
 *
 * <p>Before such a request the thread takes on the caller's effective group, supplementary
 * groups and effective user (raw {@code setgroups}, {@code setresgid}, {@code setresuid}: glibc's
 * wrappers would change every thread of the process), so the host kernel checks permissions and
 * gives new files their owner exactly as for a local caller; afterwards it goes back to root. The
 * saved user id stays 0 throughout, which is what lets it go back. A thread drops this process's
 * supplementary groups once, when it first serves (a caller must not act with groups it does not
 * have: CVE-2022-0358, where new files kept a set-group-ID bit because the daemon's groups
 * counted).
 *
 * <p>Each serving thread also gets its own file-system context ({@code unshare(CLONE_FS)}), so
 * that its umask can be the caller's and its working directory {@code /proc/self/fd}, where the
 * calls that only take paths (xattrs, truncate) reach a node through its descriptor's name.
 * Virtual threads cannot be given any of this (they move between carrier threads): requests that
 * need it fail on them with EIO.
 */
final class CallerIdentity {

    private static final System.Logger LOG = System.getLogger(CallerIdentity.class.getName());
    private static final int UNCHANGED = -1;

    private final boolean switching;
    private final IdTranslation uids;
    private final IdTranslation gids;
    private final int procFd;
    /** Whether the guest left the umask to this file system (FUSE_DONT_MASK); set at INIT. */
    private volatile boolean applyUmask;

    /**
     * @param switching whether to take on callers' identities (needs root)
     * @param procFd the open {@code /proc/self/fd} directory, each thread's working directory
     */
    CallerIdentity(boolean switching, IdTranslation uids, IdTranslation gids, int procFd) {
        this.switching = switching;
        this.uids = uids;
        this.gids = gids;
        this.procFd = procFd;
    }

    /** Whether new nodes get the request's umask here (the guest did not apply it: FUSE_DONT_MASK). */
    void applyUmask(boolean value) {
        applyUmask = value;
    }

    /** Whether requests are carried out as their caller. */
    boolean switching() {
        return switching;
    }

    /** This thread's scratch, its file-system context made on its first request. */
    ThreadScratch prepare() {
        ThreadScratch scratch = ThreadScratch.get();
        if (!scratch.prepared) {
            prepare(scratch);
        }
        return scratch;
    }

    private void prepare(ThreadScratch scratch) {
        if (Thread.currentThread().isVirtual()) {
            throw new ErrnoException(Errno.EIO, "this request cannot be served on a virtual thread (its umask, working "
                    + "directory and credentials must be the thread's own)");
        }
        try {
            CredentialCalls.unshareFileSystemContext();
            CredentialCalls.fchdir(procFd);
            if (switching) {
                CredentialCalls.setgroups(0, MemorySegment.NULL);
            }
        } catch (NativeException e) {
            throw new ErrnoException(Errno.EIO, "preparing thread " + Thread.currentThread().getName()
                    + " to serve failed: " + e.getMessage(), e);
        }
        scratch.umask = CredentialCalls.umask(0);
        scratch.umask = 0;
        scratch.prepared = true;
    }

    /**
     * Sets this thread's umask for a request that creates a node: the caller's when the guest left
     * it to the file system, else 0 (the guest applied it already).
     */
    void umask(ThreadScratch scratch, Context ctx) {
        int mask = applyUmask ? ctx.umask() & 0777 : 0;
        if (scratch.umask != mask) {
            CredentialCalls.umask(mask);
            scratch.umask = mask;
        }
    }

    /**
     * Takes on the caller's identity on this thread (after {@link #prepare()}).
     *
     * @return whether anything changed: pass it to {@link #leave}
     * @throws ErrnoException EPERM when id translation forbids the caller
     */
    boolean become(Context ctx, ThreadScratch scratch) {
        if (!switching) {
            return false;
        }
        int uid = uids.toHost(ctx.uid());
        int gid = gids.toHost(ctx.gid());
        int count = ctx.supplementaryGroupCount();
        if (uid == 0 && gid == 0 && count == 0) {
            return false; // root, as this process is: nothing to change
        }
        try {
            if (count > 0) {
                MemorySegment list = scratch.groups(count);
                int kept = 0;
                for (int i = 0; i < count; i++) {
                    try {
                        list.setAtIndex(ValueLayout.JAVA_INT, kept, gids.toHost(ctx.supplementaryGroup(i)));
                        kept++;
                    } catch (ErrnoException forbidden) {
                        // A forbidden group is one the caller does not get on the host.
                    }
                }
                CredentialCalls.setgroups(kept, list);
                scratch.groupsSet = true;
            }
            CredentialCalls.setresgid(UNCHANGED, gid, UNCHANGED);
            try {
                CredentialCalls.setresuid(UNCHANGED, uid, UNCHANGED);
            } catch (NativeException e) {
                CredentialCalls.setresgid(UNCHANGED, 0, UNCHANGED);
                throw e;
            }
        } catch (NativeException e) {
            restoreGroups(scratch);
            throw new ErrnoException(Errno.EIO, "taking on uid " + uid + " gid " + gid + " failed: " + e.getMessage(), e);
        }
        return true;
    }

    /** Goes back to this process's identity after {@link #become} answered true. */
    void leave(boolean switched, ThreadScratch scratch) {
        if (!switched) {
            return;
        }
        try {
            CredentialCalls.setresuid(UNCHANGED, 0, UNCHANGED);
            CredentialCalls.setresgid(UNCHANGED, 0, UNCHANGED);
            if (scratch.groupsSet) {
                CredentialCalls.setgroups(0, MemorySegment.NULL);
                scratch.groupsSet = false;
            }
        } catch (NativeException e) {
            // A thread that cannot become root again would serve the next caller as this one.
            LOG.log(Level.ERROR, "thread " + Thread.currentThread().getName() + " cannot take back its own identity ("
                    + e.getMessage() + "); stopping the process rather than serve with the wrong one");
            Runtime.getRuntime().halt(70);
        }
    }

    private static void restoreGroups(ThreadScratch scratch) {
        if (!scratch.groupsSet) {
            return;
        }
        try {
            CredentialCalls.setgroups(0, MemorySegment.NULL);
            scratch.groupsSet = false;
        } catch (NativeException e) {
            LOG.log(Level.ERROR, "thread " + Thread.currentThread().getName() + " cannot drop supplementary groups ("
                    + e.getMessage() + "); stopping the process");
            Runtime.getRuntime().halt(70);
        }
    }
}
