package io.virtiofs.api;

import java.util.List;

/**
 * Who sent a request, and whether it is still wanted.
 *
 * <p>The identity comes from the driver ({@code fuse_in_header}: uid, gid, pid) and from the
 * request's extensions (supplementary groups, security labels). A virtio-fs device cannot verify
 * it: the driver enforces permissions (see the virtio-fs specification, "Security
 * Considerations"); a file system may still map or restrict identities.
 *
 * <p><b>Who checks permissions.</b> A FUSE request carries the caller's uid and primary gid, but
 * not its supplementary groups (except the one group FUSE_EXT_GROUPS adds to some creations), so a
 * file system that checks permissions itself cannot decide group membership from the request
 * alone. The transport settles it ({@link #permissionsCheckedByDriver()}, {@link #isInGroup}):
 * <ul>
 * <li>virtio-fs: every Linux guest mounts with {@code default_permissions}, so the guest kernel
 *     has checked each request with every group of the caller; the device cannot see the
 *     guest's processes and trusts those checks ({@code permissionsCheckedByDriver()} is true).
 * <li>/dev/fuse with {@code default_permissions}: the host kernel has checked, as above.
 * <li>/dev/fuse without it: nothing checked; the file system must. {@link #isInGroup} then also
 *     consults the caller's supplementary groups, read on first use from
 *     {@code /proc/PID/status} (as libfuse's {@code fuse_getgroups} does; PID is the calling
 *     thread in the mount's PID namespace; a caller that has exited meanwhile has none).
 * </ul>
 *
 * <p>A context is valid only during the call it was passed to (for an {@link AsyncFileSystem}
 * method: until the stage it returned completes); transports reuse the object for the next
 * request. Do not keep it longer.
 */
public interface Context {

    /** The caller's user id (as the driver sees it). */
    int uid();

    /** The caller's group id. */
    int gid();

    /** The caller's thread group id in the driver's system, or 0 when unknown. */
    int pid();

    /**
     * The umask to apply to the mode of a new node (create, mkdir, mknod, tmpfile), or 0 when the
     * driver already applied it (it does unless {@link Capability#DONT_MASK} was negotiated) or
     * the request creates nothing.
     */
    int umask();

    /**
     * The number of supplementary groups the request carries (the FUSE_EXT_GROUPS extension,
     * negotiated with {@link Capability#CREATE_SUPP_GROUP}); usually 0.
     */
    int supplementaryGroupCount();

    /** The supplementary group at {@code index}, 0 &lt;= index &lt; {@link #supplementaryGroupCount()}. */
    int supplementaryGroup(int index);

    /**
     * Whether the driver has already checked this request's permissions against the node's
     * attributes with every group of the caller (Linux's {@code default_permissions}; always so
     * for virtio-fs). A file system may then trust the request; checking again, it would lack the
     * caller's supplementary groups unless {@link #isInGroup} can learn them. Default false: the
     * file system checks.
     */
    default boolean permissionsCheckedByDriver() {
        return false;
    }

    /**
     * Whether {@code gid} is the caller's group or one of its supplementary groups: those the
     * request carries, and those the transport can learn (over /dev/fuse, from
     * {@code /proc/PID/status}, looked up once per request on first use).
     */
    default boolean isInGroup(int gid) {
        if (gid() == gid) {
            return true;
        }
        for (int i = 0, n = supplementaryGroupCount(); i < n; i++) {
            if (supplementaryGroup(i) == gid) {
                return true;
            }
        }
        return false;
    }

    /**
     * The security labels the driver sent with a request that creates a node (the FUSE security
     * context extension, negotiated with {@link Capability#SECURITY_CTX}); empty otherwise.
     */
    List<SecurityLabel> securityLabels();

    /**
     * Whether the driver interrupted this request (FUSE_INTERRUPT). A file system that blocks
     * (a lock wait, a slow remote call) should check this and give up with {@code EINTR}; one
     * that finishes normally may ignore it, and its answer is still delivered.
     */
    boolean isCancelled();

    /**
     * Runs {@code action} once when this request is cancelled (a FUSE_INTERRUPT, or the transport
     * stopping), or at once, on the calling thread, if it already is. For a file system that waits
     * on something it can abort (a remote call, a queue): the action aborts it, and the request
     * then completes with {@code EINTR}. The action runs on the thread that cancels (the one that
     * read the interrupt): it must be short and must not block. A request has one action; a
     * second call replaces one that has not run. Nothing runs if the request completes first.
     */
    void onCancel(Runnable action);

    /** Throws {@code ErrnoException(EINTR)} if the request was interrupted. */
    default void checkCancelled() {
        if (isCancelled()) {
            throw new ErrnoException(Errno.EINTR, "request " + requestId() + " was interrupted");
        }
    }

    /** The driver's id of this request ({@code fuse_in_header.unique}), for logs. */
    long requestId();
}
