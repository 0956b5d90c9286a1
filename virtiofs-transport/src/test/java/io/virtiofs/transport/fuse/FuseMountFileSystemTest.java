package io.virtiofs.transport.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.FileSystem;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link FuseMount#mount(FileSystem, FuseMountOptions)} builds the server from the mount's
 * configuration; while virtiofs-protocol has no {@code FuseServer} it says so and leaves nothing
 * behind.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FuseMountFileSystemTest extends FuseMountFixture {

    private static boolean serverAvailable() {
        try {
            Class.forName("io.virtiofs.protocol.server.FuseServer");
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @Test
    void aFileSystemIsServedByTheServerOrRefusedCleanly() throws Exception {
        FileSystem fileSystem = new FileSystem() {
        };
        List<String> before = fuseAndEventDescriptors();
        if (serverAvailable()) {
            try (FuseMount mount = FuseMount.mount(fileSystem, options().build())) {
                Files.exists(mountpoint); // the kernel's INIT, answered by the server
                assertTrue(mount.negotiated().isPresent());
            }
        } else {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> FuseMount.mount(fileSystem, options().build()));
            assertEquals("this build has no FuseServer(FileSystem, FuseServerConfig)", e.getMessage());
        }
        assertTrue(fuseMountAt(mountpoint).isEmpty());
        assertEquals(before, fuseAndEventDescriptors());
    }
}
