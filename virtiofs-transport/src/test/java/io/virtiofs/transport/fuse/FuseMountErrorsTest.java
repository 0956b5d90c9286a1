package io.virtiofs.transport.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Errno;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.MountCalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Mounts that fail say why in one line, and leave no mount and no descriptor behind. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FuseMountErrorsTest extends FuseMountFixture {

    @Test
    void aMissingMountpointIsNamed() throws Exception {
        Path absent = directory.resolve("absent");
        List<String> before = fuseAndEventDescriptors();
        FuseMountException e = assertThrows(FuseMountException.class,
                () -> FuseMount.mount(new MinimalFuseHandler(MAX_WRITE), FuseMountOptions.of(absent)));
        assertEquals(FuseMountException.Reason.MOUNTPOINT_MISSING, e.reason());
        assertEquals("mountpoint " + absent + " does not exist", e.getMessage());
        assertEquals(Optional.of(Errno.ENOENT), e.errno());
        assertEquals(before, fuseAndEventDescriptors());
    }

    @Test
    void aFileIsNotAMountpoint() throws Exception {
        Path file = Files.writeString(directory.resolve("file"), "not a directory");
        FuseMountException e = assertThrows(FuseMountException.class,
                () -> FuseMount.mount(new MinimalFuseHandler(MAX_WRITE), FuseMountOptions.of(file)));
        assertEquals(FuseMountException.Reason.MOUNTPOINT_NOT_DIRECTORY, e.reason());
        assertEquals("mountpoint " + file + " is not a directory", e.getMessage());
    }

    @Test
    void aMountWhoseServerIsGoneMakesTheMountpointBusy() throws Exception {
        int fd = FileCalls.open("/dev/fuse", FileCalls.O_RDWR | FileCalls.O_CLOEXEC, 0);
        try {
            MountCalls.mount("stale", mountpoint.toString(), "fuse", 0, "fd=" + fd + ",rootmode=40000,user_id=0,group_id=0");
        } finally {
            FileCalls.close(fd); // the server is gone: the kernel aborts the connection
        }
        assertTrue(fuseMountAt(mountpoint).isPresent());
        FuseMountException e = assertThrows(FuseMountException.class,
                () -> FuseMount.mount(new MinimalFuseHandler(MAX_WRITE), FuseMountOptions.of(mountpoint)));
        assertEquals(FuseMountException.Reason.MOUNTPOINT_BUSY, e.reason());
        assertEquals("mountpoint " + mountpoint + " is busy: a FUSE file system whose server is gone is still mounted there"
                + " (umount " + mountpoint + ")", e.getMessage());
        // the fixture unmounts the stale mount
    }

    @Test
    void aFailingHandlerFactoryLeavesNothingMounted() throws Exception {
        List<String> before = fuseAndEventDescriptors();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> FuseMount.mount(config -> {
            throw new IllegalStateException("no server today");
        }, FuseMountOptions.of(mountpoint)));
        assertEquals("no server today", e.getMessage());
        assertTrue(fuseMountAt(mountpoint).isEmpty());
        assertEquals(before, fuseAndEventDescriptors());
    }
}
