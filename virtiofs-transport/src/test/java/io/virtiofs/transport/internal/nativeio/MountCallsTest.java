package io.virtiofs.transport.internal.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Errno;
import io.virtiofs.transport.internal.Prerequisites;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MountCallsTest {

    private Path dir;

    @BeforeEach
    void createDirectory() throws IOException {
        Prerequisites.require(IdentityCalls.geteuid() == 0, "mount(2) needs root; running as uid " + IdentityCalls.geteuid());
        dir = Files.createTempDirectory(Path.of("/tmp"), "mountcalls-");
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (dir == null) {
            return;
        }
        if (isMountPoint(dir)) {
            try {
                MountCalls.unmount(dir.toString(), MountCalls.MNT_DETACH);
            } catch (NativeException e) {
                throw new IOException(e);
            }
        }
        Files.deleteIfExists(dir);
    }

    @Test
    void mountsAndUnmountsATmpfsWithFlagsAndData() throws Exception {
        MountCalls.mount("mountcalls-test", dir.toString(), "tmpfs", MountCalls.MS_NOSUID | MountCalls.MS_NODEV,
                "size=64k,mode=0711");
        List<String> fields = mountInfo(dir);
        assertEquals("mountcalls-test", fields.get(1), "source");
        assertEquals("tmpfs", fields.get(0), "type");
        assertTrue(fields.get(3).contains("nosuid") && fields.get(3).contains("nodev"), "mount options " + fields.get(3));
        assertTrue(fields.get(2).contains("size=64k") && fields.get(2).contains("mode=711"), "super options " + fields.get(2));

        MountCalls.unmount(dir.toString(), 0);
        assertFalse(isMountPoint(dir));
    }

    @Test
    void unmountOfAPlainDirectoryFailsWithEinval() {
        NativeException e = assertThrows(NativeException.class, () -> MountCalls.unmount(dir.toString(), 0));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals("umount2 " + dir + " failed: EINVAL (Invalid argument)", e.getMessage());
    }

    @Test
    void unknownFileSystemTypeFailsWithEnodev() {
        NativeException e = assertThrows(NativeException.class,
                () -> MountCalls.mount("none", dir.toString(), "no-such-fs-type", 0, ""));
        assertEquals(Errno.ENODEV, e.errno());
    }

    @Test
    void busyMountNeedsADetach() throws Exception {
        MountCalls.mount("busy-test", dir.toString(), "tmpfs", 0, "size=64k");
        Path file = dir.resolve("open");
        try (var channel = Files.newByteChannel(file, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
            NativeException e = assertThrows(NativeException.class, () -> MountCalls.unmount(dir.toString(), 0));
            assertEquals(Errno.EBUSY, e.errno());
            MountCalls.unmount(dir.toString(), MountCalls.MNT_DETACH | MountCalls.UMOUNT_NOFOLLOW);
            assertFalse(isMountPoint(dir));
            assertTrue(channel.isOpen());
        }
    }

    static boolean isMountPoint(Path path) throws IOException {
        return mountInfoLine(path) != null;
    }

    /** Type, source, super options and mount options of the mount at {@code path}. */
    static List<String> mountInfo(Path path) throws IOException {
        String line = mountInfoLine(path);
        if (line == null) {
            throw new AssertionError(path + " is not in /proc/self/mountinfo");
        }
        String[] halves = line.split(" - ", 2);
        String[] before = halves[0].split(" ");
        String[] after = halves[1].split(" ");
        return List.of(after[0], after[1], after[2], before[5]);
    }

    private static String mountInfoLine(Path path) throws IOException {
        String target = path.toString();
        String found = null;
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            if (line.split(" ")[4].equals(target)) {
                found = line; // the last one is the mount on top
            }
        }
        return found;
    }
}
