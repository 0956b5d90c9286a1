package io.virtiofs.api;

/**
 * A restricted ioctl ({@code struct fuse_ioctl_in}): the driver has already copied in
 * {@code inSize} bytes of argument data, and accepts up to {@code outSize} bytes back.
 *
 * @param nodeid the file
 * @param fh the open file's handle
 * @param flags {@code FUSE_IOCTL_*} bits ({@link #COMPAT}, {@link #DIR}, ...)
 * @param cmd the ioctl command
 * @param arg the argument as the caller passed it (a pointer value, usually meaningless here)
 * @param inSize bytes of input data
 * @param outSize bytes of output space
 */
public record IoctlRequest(long nodeid, long fh, int flags, int cmd, long arg, int inSize, int outSize) {

    /** FUSE_IOCTL_COMPAT: a 32-bit compat ioctl on a 64-bit machine. */
    public static final int COMPAT = 1;
    /** FUSE_IOCTL_UNRESTRICTED: not restricted to well-formed ioctls (never over virtio). */
    public static final int UNRESTRICTED = 1 << 1;
    /** FUSE_IOCTL_RETRY: retry with new iovecs. */
    public static final int RETRY = 1 << 2;
    /** FUSE_IOCTL_32BIT: 32-bit ioctl. */
    public static final int BIT32 = 1 << 3;
    /** FUSE_IOCTL_DIR: the ioctl is on a directory. */
    public static final int DIR = 1 << 4;
    /** FUSE_IOCTL_COMPAT_X32: x32 compat ioctl on a 64-bit machine. */
    public static final int COMPAT_X32 = 1 << 5;
}
