package io.virtiofs.transport.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Attr;
import io.virtiofs.api.AttrReply;
import io.virtiofs.api.Context;
import io.virtiofs.api.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link FuseMount#mount(FileSystem, FuseMountOptions)} serves a file system through the
 * FuseServer built from the mount's configuration, and leaves nothing behind.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FuseMountFileSystemTest extends FuseMountFixture {

    @Test
    void aFileSystemIsServedByTheServer() throws Exception {
        FileSystem fileSystem = new FileSystem() {
            @Override
            public AttrReply getattr(Context ctx, long nodeid) {
                return new AttrReply(Attr.builder().ino(1).mode(0040751).nlink(2).uid(123).gid(456).build(),
                        Duration.ZERO);
            }
        };
        List<String> before = fuseAndEventDescriptors();
        try (FuseMount mount = FuseMount.mount(fileSystem, options().build())) {
            PosixFileAttributes attributes = Files.readAttributes(mountpoint, PosixFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            assertTrue(attributes.isDirectory());
            assertEquals("123", attributes.owner().getName());
            assertTrue(mount.negotiated().isPresent());
            assertEquals(45, mount.negotiated().orElseThrow().version().minor());
        }
        assertTrue(fuseMountAt(mountpoint).isEmpty());
        assertEquals(before, fuseAndEventDescriptors());
    }
}
