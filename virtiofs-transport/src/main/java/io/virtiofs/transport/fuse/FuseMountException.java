package io.virtiofs.transport.fuse;

import io.virtiofs.api.Errno;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Mounting or unmounting through /dev/fuse failed. The message is one line a command line tool
 * can print as it is ("/dev/fuse does not exist: load the fuse module"); {@link #reason()} says
 * what kind of failure it was and {@link #errno()} which errno the kernel gave, if any.
 */
public final class FuseMountException extends IOException {

    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Reason {
        /** /dev/fuse is missing or has no driver behind it. */
        DEVICE_MISSING,
        /** Opening /dev/fuse or mounting was not permitted. */
        PERMISSION_DENIED,
        /** The mountpoint does not exist. */
        MOUNTPOINT_MISSING,
        /** The mountpoint is not a directory. */
        MOUNTPOINT_NOT_DIRECTORY,
        /** The mountpoint is in use, or is a FUSE mount whose server is gone. */
        MOUNTPOINT_BUSY,
        /** The kernel refused the mount for another reason (its options, resources). */
        MOUNT_FAILED,
        /** Unmounting failed. */
        UNMOUNT_FAILED,
        /** FUSE over io_uring was asked for, but this kernel cannot or may not serve it. */
        IO_URING_UNAVAILABLE
    }

    private final Reason reason;
    private final transient @Nullable Errno errno;

    public FuseMountException(Reason reason, String message, @Nullable Errno errno, @Nullable Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.errno = errno;
    }

    /** What kind of failure this is. */
    public Reason reason() {
        return reason;
    }

    /** The errno behind the failure, when a system call failed. */
    public Optional<Errno> errno() {
        return Optional.ofNullable(errno);
    }

    private static final String NEEDS_ROOT = "mounting needs root or CAP_SYS_ADMIN";

    /** Opening the FUSE device failed. */
    /** FUSE over io_uring cannot be used here, for the reason given. */
    static FuseMountException ioUringUnavailable(String why, @Nullable NativeException e) {
        return new FuseMountException(Reason.IO_URING_UNAVAILABLE, "FUSE over io_uring is not available: " + why,
                e == null ? null : e.errno(), e);
    }

    static FuseMountException openingDevice(Path device, NativeException e) {
        Errno errno = e.errno();
        if (errno == Errno.ENOENT) {
            return new FuseMountException(Reason.DEVICE_MISSING, device + " does not exist: load the fuse module", errno, e);
        }
        if (errno == Errno.ENODEV || errno == Errno.ENXIO) {
            return new FuseMountException(Reason.DEVICE_MISSING, device + " has no driver: load the fuse module", errno, e);
        }
        if (errno == Errno.EACCES || errno == Errno.EPERM) {
            return new FuseMountException(Reason.PERMISSION_DENIED, NEEDS_ROOT, errno, e);
        }
        return new FuseMountException(Reason.MOUNT_FAILED, "cannot open " + device + ": " + describe(errno), errno, e);
    }

    /** Checking the mountpoint (opening it as a directory) failed. */
    static FuseMountException checkingMountpoint(Path mountpoint, NativeException e) {
        Errno errno = e.errno();
        if (errno == Errno.ENOENT) {
            return new FuseMountException(Reason.MOUNTPOINT_MISSING, "mountpoint " + mountpoint + " does not exist", errno, e);
        }
        if (errno == Errno.ENOTDIR) {
            return new FuseMountException(Reason.MOUNTPOINT_NOT_DIRECTORY,
                    "mountpoint " + mountpoint + " is not a directory", errno, e);
        }
        if (errno == Errno.ENOTCONN || errno == Errno.ECONNABORTED) {
            return new FuseMountException(Reason.MOUNTPOINT_BUSY, "mountpoint " + mountpoint
                    + " is busy: a FUSE file system whose server is gone is still mounted there (umount " + mountpoint + ")",
                    errno, e);
        }
        if (errno == Errno.EACCES || errno == Errno.EPERM) {
            return new FuseMountException(Reason.PERMISSION_DENIED,
                    "mountpoint " + mountpoint + " is not accessible: " + describe(errno), errno, e);
        }
        return new FuseMountException(Reason.MOUNT_FAILED,
                "cannot use mountpoint " + mountpoint + ": " + describe(errno), errno, e);
    }

    /** {@code mount(2)} failed. */
    static FuseMountException mounting(MountArguments arguments, NativeException e) {
        Errno errno = e.errno();
        String target = arguments.target();
        if (errno == Errno.EPERM || errno == Errno.EACCES) {
            return new FuseMountException(Reason.PERMISSION_DENIED, NEEDS_ROOT, errno, e);
        }
        if (errno == Errno.EBUSY) {
            return new FuseMountException(Reason.MOUNTPOINT_BUSY, "mountpoint " + target + " is busy", errno, e);
        }
        if (errno == Errno.ENOENT) {
            return new FuseMountException(Reason.MOUNTPOINT_MISSING, "mountpoint " + target + " does not exist", errno, e);
        }
        if (errno == Errno.ENOTDIR) {
            return new FuseMountException(Reason.MOUNTPOINT_NOT_DIRECTORY, "mountpoint " + target + " is not a directory",
                    errno, e);
        }
        if (errno == Errno.ENODEV) {
            return new FuseMountException(Reason.DEVICE_MISSING,
                    "the kernel has no " + arguments.type() + " file system: load the fuse module", errno, e);
        }
        return new FuseMountException(Reason.MOUNT_FAILED, "mounting " + arguments.type() + " on " + target + " with options "
                + arguments.data() + " failed: " + describe(errno), errno, e);
    }

    /** {@code umount2(2)} failed. */
    static FuseMountException unmounting(Path mountpoint, NativeException e) {
        Errno errno = e.errno();
        if (errno == Errno.EPERM) {
            return new FuseMountException(Reason.PERMISSION_DENIED, "unmounting " + mountpoint + " needs root or CAP_SYS_ADMIN",
                    errno, e);
        }
        return new FuseMountException(Reason.UNMOUNT_FAILED, "unmounting " + mountpoint + " failed: " + describe(errno), errno, e);
    }

    private static String describe(Errno errno) {
        return errno.description() + " (" + errno.name() + ")";
    }
}
