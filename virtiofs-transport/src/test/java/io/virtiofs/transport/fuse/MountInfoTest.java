package io.virtiofs.transport.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MountInfoTest {

    @Test
    void parsesOptionalFieldsAndEscapes() {
        assertEquals(Optional.of(new MountInfo(36, 0, 52, Path.of("/mnt two"), "rw,noatime", "fuse.memfs", "my\\src",
                        "rw,user_id=0,group_id=0")),
                MountInfo.parse("36 35 0:52 / /mnt\\040two rw,noatime master:1 shared:7 - fuse.memfs my\\134src rw,user_id=0,group_id=0"));
    }

    @Test
    void parsesALineWithoutOptionalFields() {
        assertEquals(Optional.of(new MountInfo(22, 0, 21, Path.of("/proc"), "rw,nosuid", "proc", "proc", "rw")),
                MountInfo.parse("22 1 0:21 / /proc rw,nosuid - proc proc rw"));
    }

    @Test
    void malformedLinesAreSkipped() {
        assertEquals(Optional.empty(), MountInfo.parse("garbage"));
        assertEquals(Optional.empty(), MountInfo.parse("x 1 0:1 / /a rw - proc proc rw"));
        assertEquals(Optional.empty(), MountInfo.parse("1 1 0:1 / /a rw - proc"));
        assertEquals(Optional.empty(), MountInfo.parse("1 1 0-1 / /a rw - proc proc rw"));
        assertEquals(Optional.empty(), MountInfo.parse("1 1 0: / /a rw - proc proc rw"));
    }

    @Test
    void theKernelDeviceNumberPutsTheMajorAbove20Bits() {
        MountInfo block = MountInfo.parse("40 1 259:3 / /boot rw - ext4 /dev/nvme0n1p3 rw").orElseThrow();
        assertEquals(259, block.deviceMajor());
        assertEquals(3, block.deviceMinor());
        assertEquals((259L << 20) | 3, block.kernelDevice());
        assertEquals(52, MountInfo.parse("36 35 0:52 / /m rw - fuse src rw").orElseThrow().kernelDevice());
    }

    @Test
    void unescapeLeavesOtherBackslashesAlone() {
        assertEquals("a\tb\nc\\d\\9x\\12", MountInfo.unescape("a\\011b\\012c\\134d\\9x\\12"));
    }

    @Test
    void thisProcessSeesItsRootMount() throws Exception {
        assertTrue(MountInfo.readAll().stream().anyMatch(mount -> mount.mountPoint().equals(Path.of("/"))));
        assertTrue(MountInfo.topAt(Path.of("/")).isPresent());
    }
}
