package io.virtiofs.api;

/**
 * A statx ({@code struct fuse_statx_in}).
 *
 * @param nodeid the node
 * @param fh the open file's handle, when {@link #hasFh()}
 * @param getattrFlags {@link #GETATTR_FH} when {@code fh} is valid
 * @param sxFlags the caller's {@code AT_STATX_*} synchronisation flags
 * @param sxMask the {@code STATX_*} fields the caller wants
 */
public record StatxRequest(long nodeid, long fh, int getattrFlags, int sxFlags, int sxMask) {

    /** FUSE_GETATTR_FH. */
    public static final int GETATTR_FH = 1;

    public boolean hasFh() {
        return (getattrFlags & GETATTR_FH) != 0;
    }
}
