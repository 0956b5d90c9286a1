package io.virtiofs.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Errno;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * What a caller sees through a kernel mount of a Ceph bucket: names from keys and markers, what
 * another client's PUTs look like and when, and the errno of each thing S3 cannot do.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SemanticsKernelTest {

    private static S3Mount m;

    @BeforeAll
    static void mount() throws Exception {
        m = S3Mount.create("semantics", c -> c.renameLimit(5).attrTimeout(S3Mount.seconds(1)).entryTimeout(S3Mount.seconds(1)));
    }

    @AfterAll
    static void unmount() throws Exception {
        if (m != null) {
            m.close();
        }
    }

    private static void put(String key, String text) {
        m.api.putObject(b -> b.bucket(m.bucket).key(key), RequestBody.fromString(text));
    }

    private static String get(String key) {
        return m.api.getObjectAsBytes(b -> b.bucket(m.bucket).key(key)).asUtf8String();
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void keysWithSlashesAreDirectoriesAndMarkersAreEmptyDirectories() throws Exception {
        put("keys/a/b/c.txt", "deep");
        put("keys/top.txt", "top");
        m.api.putObject(b -> b.bucket(m.bucket).key("keys/empty/"), RequestBody.empty());
        assertEquals(List.of("a", "empty", "top.txt"), names(m.path("keys")));
        assertTrue(Files.isDirectory(m.path("keys/a/b")));
        assertEquals("deep", Files.readString(m.path("keys/a/b/c.txt")));
        assertEquals(List.of(), names(m.path("keys/empty")));
        Files.createDirectory(m.path("keys/made"));
        assertTrue(m.keys().contains("keys/made/"), "mkdir leaves a marker: " + m.keys());
    }

    @Test
    void anotherClientsObjectsShowAfterTheTimeouts() throws Exception {
        Files.createDirectory(m.path("other"));
        assertEquals(-Errno.ENOENT.code(), Posix.exists(m.path("other/new.txt")));
        put("other/new.txt", "from the API");
        Thread.sleep(1500); // the entry timeout (1 s) has passed: the negative entry is gone
        assertEquals("from the API", Files.readString(m.path("other/new.txt")));
        assertEquals(List.of("new.txt"), names(m.path("other")));
        put("other/new.txt", "changed by the API, longer");
        Thread.sleep(1500); // the attribute timeout: the new size and the new data
        assertEquals("changed by the API, longer", Files.readString(m.path("other/new.txt")));
        m.api.deleteObject(b -> b.bucket(m.bucket).key("other/new.txt"));
        Thread.sleep(1500);
        assertFalse(Files.exists(m.path("other/new.txt")));
    }

    @Test
    void writesReachTheStoreAtClose() throws Exception {
        Files.createDirectory(m.path("w"));
        int fd = Posix.open(m.path("w/f"), Posix.O_CREAT | Posix.O_WRONLY, 0644);
        assertTrue(fd >= 0, "open: " + fd);
        byte[] data = "written, then closed".getBytes(StandardCharsets.UTF_8);
        assertEquals(data.length, Posix.write(fd, data, data.length));
        assertFalse(m.keys().contains("w/f"), "nothing is uploaded before the flush");
        assertEquals(0, Posix.close(fd));
        assertEquals("written, then closed", get("w/f"));
        // Overwriting part of an object: the whole object is read, changed and uploaded again.
        fd = Posix.open(m.path("w/f"), Posix.O_RDWR, 0);
        byte[] word = "WRITTEN".getBytes(StandardCharsets.UTF_8);
        assertEquals(word.length, Posix.write(fd, word, word.length));
        assertEquals(0, Posix.fsync(fd));
        assertEquals("WRITTEN, then closed", get("w/f"));
        assertEquals(0, Posix.close(fd));
        // O_TRUNC, and truncate(2) by path.
        Files.writeString(m.path("w/f"), "short");
        assertEquals("short", get("w/f"));
        try (var channel = java.nio.channels.FileChannel.open(m.path("w/f"), java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(2);
        }
        assertEquals("sh", get("w/f"));
    }

    @Test
    void renameMovesObjectsAndDirectoriesUpToTheLimit() throws Exception {
        Files.createDirectories(m.path("r/dir/sub"));
        Files.writeString(m.path("r/dir/one"), "1");
        Files.writeString(m.path("r/dir/sub/two"), "2");
        Files.move(m.path("r/dir/one"), m.path("r/dir/uno"));
        assertEquals("1", get("r/dir/uno"));
        Files.move(m.path("r/dir"), m.path("r/moved"));
        assertEquals("2", Files.readString(m.path("r/moved/sub/two")));
        assertEquals(List.of("r/moved/", "r/moved/sub/", "r/moved/sub/two", "r/moved/uno", "r/"),
                m.keys().stream().filter(k -> k.startsWith("r/")).sorted((a, b) -> a.equals("r/") ? 1 : b.equals("r/") ? -1 : a.compareTo(b)).toList());
        // Above the limit (5 objects here) a directory rename is EXDEV: mv copies instead.
        Files.createDirectory(m.path("r/big"));
        for (int i = 0; i < 6; i++) {
            Files.writeString(m.path("r/big/f" + i), "x");
        }
        assertEquals(-Errno.EXDEV.code(), Posix.rename(m.path("r/big"), m.path("r/big2")));
        assertTrue(Files.isDirectory(m.path("r/big")));
    }

    @Test
    void whatS3CannotDoIsRefusedWithAnErrno() throws Exception {
        Files.createDirectory(m.path("no"));
        Files.writeString(m.path("no/file"), "data");
        assertEquals(-Errno.EPERM.code(), Posix.link(m.path("no/file"), m.path("no/hard")));
        assertEquals(-Errno.EPERM.code(), Posix.symlink("file", m.path("no/soft")));
        assertEquals(-Errno.EPERM.code(), Posix.chmod(m.path("no/file"), 0600));
        // touch: "now" is a copy of the object onto itself; an explicit time cannot be set.
        var before = m.api.headObject(b -> b.bucket(m.bucket).key("no/file")).lastModified();
        Thread.sleep(1100);
        assertEquals(0, new ProcessBuilder("touch", m.path("no/file").toString()).inheritIO().start().waitFor());
        var touched = m.api.headObject(b -> b.bucket(m.bucket).key("no/file")).lastModified();
        assertTrue(touched.isAfter(before), "touch left the object's time at " + touched);
        assertEquals("data", get("no/file"));
        org.junit.jupiter.api.Assertions.assertThrows(java.nio.file.FileSystemException.class,
                () -> Files.setLastModifiedTime(m.path("no/file"), java.nio.file.attribute.FileTime.fromMillis(0)));
        assertEquals(0, Posix.chmod(m.path("no/file"), 0644), "the mode it has is no change");
        assertEquals(-Errno.EOPNOTSUPP.code(), Posix.open(m.path("no/file"), Posix.O_WRONLY | Posix.O_APPEND, 0));
        assertEquals(-Errno.ENOTEMPTY.code(), Posix.rmdir(m.path("no")));
        assertEquals(-Errno.ENOTDIR.code(), Posix.rmdir(m.path("no/file")));
        assertEquals(-Errno.EISDIR.code(), Posix.unlink(m.path("no")));
        assertEquals(-Errno.EEXIST.code(), Posix.mkdir(m.path("no"), 0755));
        assertEquals(0, Posix.unlink(m.path("no/file")));
        assertEquals(0, Posix.rmdir(m.path("no")));
        assertFalse(m.keys().stream().anyMatch(k -> k.startsWith("no/")), "rmdir removed the marker: " + m.keys());
    }

    @Test
    void aFileIsReadBackAsWritten() throws Exception {
        byte[] data = new byte[5 * (1 << 20) + 12345];
        new java.util.SplittableRandom(7).nextBytes(data);
        Files.write(m.path("data.bin"), data);
        assertArrayEquals(data, m.api.getObjectAsBytes(b -> b.bucket(m.bucket).key("data.bin")).asByteArray());
        assertArrayEquals(data, Files.readAllBytes(m.path("data.bin")));
    }
}
