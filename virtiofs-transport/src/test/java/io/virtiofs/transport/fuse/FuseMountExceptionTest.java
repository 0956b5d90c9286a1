package io.virtiofs.transport.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.virtiofs.api.Errno;
import io.virtiofs.transport.internal.nativeio.MountCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Each failure's one-line message, as a command line prints it. */
class FuseMountExceptionTest {

    private static final Path DEVICE = Path.of("/dev/fuse");
    private static final Path MOUNTPOINT = Path.of("/mnt/fs");
    private static final MountArguments ARGUMENTS = new MountArguments("memfs", "/mnt/fs", "fuse.memfs",
            MountCalls.MS_NOSUID, "fd=5,rootmode=40000,user_id=0,group_id=0");

    private static void check(FuseMountException e, FuseMountException.Reason reason, String message, Errno errno) {
        assertEquals(List.of(reason, message, Optional.of(errno)), List.of(e.reason(), e.getMessage(), e.errno()));
        assertEquals(errno, ((NativeException) e.getCause()).errno());
    }

    private static NativeException failed(String call, Errno errno) {
        return new NativeException(call, errno);
    }

    @Test
    void openingTheDevice() {
        check(FuseMountException.openingDevice(DEVICE, failed("open", Errno.ENOENT)),
                FuseMountException.Reason.DEVICE_MISSING, "/dev/fuse does not exist: load the fuse module", Errno.ENOENT);
        check(FuseMountException.openingDevice(DEVICE, failed("open", Errno.ENODEV)),
                FuseMountException.Reason.DEVICE_MISSING, "/dev/fuse has no driver: load the fuse module", Errno.ENODEV);
        check(FuseMountException.openingDevice(DEVICE, failed("open", Errno.EACCES)),
                FuseMountException.Reason.PERMISSION_DENIED, "mounting needs root or CAP_SYS_ADMIN", Errno.EACCES);
        check(FuseMountException.openingDevice(DEVICE, failed("open", Errno.EMFILE)),
                FuseMountException.Reason.MOUNT_FAILED, "cannot open /dev/fuse: Too many open files (EMFILE)", Errno.EMFILE);
    }

    @Test
    void checkingTheMountpoint() {
        check(FuseMountException.checkingMountpoint(MOUNTPOINT, failed("open", Errno.ENOENT)),
                FuseMountException.Reason.MOUNTPOINT_MISSING, "mountpoint /mnt/fs does not exist", Errno.ENOENT);
        check(FuseMountException.checkingMountpoint(MOUNTPOINT, failed("open", Errno.ENOTDIR)),
                FuseMountException.Reason.MOUNTPOINT_NOT_DIRECTORY, "mountpoint /mnt/fs is not a directory", Errno.ENOTDIR);
        check(FuseMountException.checkingMountpoint(MOUNTPOINT, failed("open", Errno.ENOTCONN)),
                FuseMountException.Reason.MOUNTPOINT_BUSY, "mountpoint /mnt/fs is busy: a FUSE file system whose server is gone"
                        + " is still mounted there (umount /mnt/fs)", Errno.ENOTCONN);
        check(FuseMountException.checkingMountpoint(MOUNTPOINT, failed("open", Errno.EACCES)),
                FuseMountException.Reason.PERMISSION_DENIED, "mountpoint /mnt/fs is not accessible: Permission denied (EACCES)",
                Errno.EACCES);
    }

    @Test
    void mounting() {
        check(FuseMountException.mounting(ARGUMENTS, failed("mount", Errno.EPERM)),
                FuseMountException.Reason.PERMISSION_DENIED, "mounting needs root or CAP_SYS_ADMIN", Errno.EPERM);
        check(FuseMountException.mounting(ARGUMENTS, failed("mount", Errno.EBUSY)),
                FuseMountException.Reason.MOUNTPOINT_BUSY, "mountpoint /mnt/fs is busy", Errno.EBUSY);
        check(FuseMountException.mounting(ARGUMENTS, failed("mount", Errno.ENODEV)),
                FuseMountException.Reason.DEVICE_MISSING, "the kernel has no fuse.memfs file system: load the fuse module",
                Errno.ENODEV);
        check(FuseMountException.mounting(ARGUMENTS, failed("mount", Errno.EINVAL)),
                FuseMountException.Reason.MOUNT_FAILED, "mounting fuse.memfs on /mnt/fs with options"
                        + " fd=5,rootmode=40000,user_id=0,group_id=0 failed: Invalid argument (EINVAL)", Errno.EINVAL);
    }

    @Test
    void unmounting() {
        check(FuseMountException.unmounting(MOUNTPOINT, failed("umount2", Errno.EPERM)),
                FuseMountException.Reason.PERMISSION_DENIED, "unmounting /mnt/fs needs root or CAP_SYS_ADMIN", Errno.EPERM);
        check(FuseMountException.unmounting(MOUNTPOINT, failed("umount2", Errno.EBUSY)),
                FuseMountException.Reason.UNMOUNT_FAILED, "unmounting /mnt/fs failed: Device or resource busy (EBUSY)",
                Errno.EBUSY);
    }

    @Test
    void aMissingDeviceFailsBeforeAnythingElse() throws Exception {
        Path directory = Files.createTempDirectory(Path.of("/tmp"), "nofuse-");
        try {
            Path device = directory.resolve("fuse");
            AtomicInteger factoryCalls = new AtomicInteger();
            FuseMountException e = assertThrows(FuseMountException.class, () -> FuseMount.mount(config -> {
                factoryCalls.incrementAndGet();
                return new MinimalFuseHandler(4096);
            }, FuseMountOptions.of(directory), new FuseDevice(device)));
            check(e, FuseMountException.Reason.DEVICE_MISSING, device + " does not exist: load the fuse module", Errno.ENOENT);
            assertEquals(0, factoryCalls.get());
        } finally {
            Files.delete(directory);
        }
    }

    @Test
    void aConstructedExceptionKeepsItsParts() {
        IllegalStateException cause = new IllegalStateException("x");
        FuseMountException e = new FuseMountException(FuseMountException.Reason.UNMOUNT_FAILED, "message", null, cause);
        assertEquals(List.of(FuseMountException.Reason.UNMOUNT_FAILED, "message", Optional.empty()),
                List.of(e.reason(), e.getMessage(), e.errno()));
        assertSame(cause, e.getCause());
    }
}
