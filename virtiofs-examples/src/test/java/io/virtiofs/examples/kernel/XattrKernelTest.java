package io.virtiofs.examples.kernel;

import static io.virtiofs.examples.kernel.ErrnoAssert.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Errno;
import io.virtiofs.testkit.support.Seeds;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Extended attributes in the {@code user.}, {@code trusted.} and {@code security.} namespaces:
 * XATTR_CREATE and XATTR_REPLACE, size queries and ERANGE, listing, removal, and the limits.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class XattrKernelTest {

    private static final long SEED = Seeds.orElse(7_345L);

    private MemFsMount mount;
    private Path file;

    @BeforeEach
    void mount() throws Exception {
        mount = MemFsMount.mount();
        file = Files.writeString(mount.path("file"), "data");
    }

    @AfterEach
    void unmount() {
        mount.close();
    }

    @Test
    void userAttributesThroughJavaRoundTripEveryByteValue() throws Exception {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        byte[] every = new byte[256];
        for (int i = 0; i < every.length; i++) {
            every[i] = (byte) i;
        }
        view.write("every-byte", ByteBuffer.wrap(every));
        view.write("empty", ByteBuffer.allocate(0));
        assertEquals(List.of("every-byte", "empty"), view.list());
        assertEquals(256, view.size("every-byte"));
        ByteBuffer read = ByteBuffer.allocate(256);
        view.read("every-byte", read);
        assertArrayEquals(every, read.array());
        assertEquals(0, view.size("empty"));
        view.delete("every-byte");
        assertEquals(List.of("empty"), view.list());
        assertArrayEquals(new byte[0], XattrCalls.get(file, "user.empty"));
    }

    @Test
    void everyNamespaceMemfsKeepsIsStoredAndListed() {
        XattrCalls.set(file, "user.u", bytes("user value"), 0);
        XattrCalls.set(file, "trusted.t", bytes("trusted value"), 0);
        XattrCalls.set(file, "security.s", bytes("security value"), 0);
        assertArrayEquals(bytes("user value"), XattrCalls.get(file, "user.u"));
        assertArrayEquals(bytes("trusted value"), XattrCalls.get(file, "trusted.t"));
        assertArrayEquals(bytes("security value"), XattrCalls.get(file, "security.s"));
        assertEquals(List.of("user.u", "trusted.t", "security.s"), XattrCalls.list(file));
        assertErrno(Errno.EOPNOTSUPP, () -> XattrCalls.set(file, "system.posix_acl_access", new byte[] {2, 0, 0, 0}, 0));
        assertErrno(Errno.EOPNOTSUPP, () -> XattrCalls.set(file, "nonamespace", bytes("x"), 0));
    }

    @Test
    void createAndReplaceFlagsAreHonoured() {
        assertErrno(Errno.ENODATA, () -> XattrCalls.set(file, "user.a", bytes("1"), XattrCalls.XATTR_REPLACE));
        XattrCalls.set(file, "user.a", bytes("1"), XattrCalls.XATTR_CREATE);
        assertErrno(Errno.EEXIST, () -> XattrCalls.set(file, "user.a", bytes("2"), XattrCalls.XATTR_CREATE));
        assertArrayEquals(bytes("1"), XattrCalls.get(file, "user.a"));
        XattrCalls.set(file, "user.a", bytes("replaced"), XattrCalls.XATTR_REPLACE);
        assertArrayEquals(bytes("replaced"), XattrCalls.get(file, "user.a"));
        XattrCalls.set(file, "user.a", bytes("plain set"), 0);
        assertArrayEquals(bytes("plain set"), XattrCalls.get(file, "user.a"));
        assertErrno(Errno.ENODATA, () -> XattrCalls.set(file, "trusted.b", bytes("1"), XattrCalls.XATTR_REPLACE));
        XattrCalls.set(file, "trusted.b", bytes("1"), XattrCalls.XATTR_CREATE);
        assertErrno(Errno.EEXIST, () -> XattrCalls.set(file, "trusted.b", bytes("1"), XattrCalls.XATTR_CREATE));
    }

    @Test
    void sizeQueriesAndTooSmallBuffers() {
        byte[] value = bytes("twelve bytes");
        XattrCalls.set(file, "user.sized", value, 0);
        XattrCalls.set(file, "security.other", bytes("x"), 0);
        assertEquals(12, XattrCalls.size(file, "user.sized"));
        assertErrno(Errno.ERANGE, () -> XattrCalls.get(file, "user.sized", 11));
        assertErrno(Errno.ERANGE, () -> XattrCalls.get(file, "user.sized", 1));
        assertArrayEquals(value, XattrCalls.get(file, "user.sized", 12));
        assertArrayEquals(value, XattrCalls.get(file, "user.sized", 4096));
        assertErrno(Errno.ENODATA, () -> XattrCalls.size(file, "user.absent"));
        assertErrno(Errno.ENODATA, () -> XattrCalls.get(file, "user.absent", 100));

        long listSize = "user.sized\0security.other\0".length();
        assertEquals(listSize, XattrCalls.listSize(file));
        assertErrno(Errno.ERANGE, () -> XattrCalls.list(file, (int) listSize - 1));
        assertEquals(List.of("user.sized", "security.other"), XattrCalls.list(file, (int) listSize));
    }

    @Test
    void removalForgetsTheNameAndChangesCtime() throws Exception {
        XattrCalls.set(file, "user.gone", bytes("soon"), 0);
        Instant before = Statx.of(file).ctime();
        XattrCalls.remove(file, "user.gone");
        assertTrue(Statx.of(file).ctime().isAfter(before), "removexattr changes ctime");
        assertEquals(List.of(), XattrCalls.list(file));
        assertEquals(0, XattrCalls.listSize(file));
        assertErrno(Errno.ENODATA, () -> XattrCalls.remove(file, "user.gone"));
        Instant afterRemove = Statx.of(file).ctime();
        XattrCalls.set(file, "user.back", bytes("again"), 0);
        assertTrue(Statx.of(file).ctime().isAfter(afterRemove), "setxattr changes ctime");
    }

    @Test
    void largeValuesAndManyNamesSurviveTheWire() {
        SplittableRandom random = new SplittableRandom(SEED);
        byte[] largest = new byte[65536];
        random.nextBytes(largest);
        XattrCalls.set(file, "user.largest", largest, 0);
        assertArrayEquals(largest, XattrCalls.get(file, "user.largest"), "seed " + SEED);
        assertErrno(Errno.E2BIG, () -> XattrCalls.set(file, "user.too-large", new byte[65537], 0));

        List<String> names = new ArrayList<>(List.of("user.largest"));
        for (int i = 0; i < 200; i++) {
            String name = "user." + "n".repeat(1 + random.nextInt(200)) + i;
            byte[] value = new byte[random.nextInt(300)];
            random.nextBytes(value);
            XattrCalls.set(file, name, value, XattrCalls.XATTR_CREATE);
            assertArrayEquals(value, XattrCalls.get(file, name), name + ", seed " + SEED);
            names.add(name);
        }
        assertEquals(names, XattrCalls.list(file), "seed " + SEED);
        String longestName = "user." + "x".repeat(250); // XATTR_NAME_MAX is 255
        XattrCalls.set(file, longestName, bytes("v"), 0);
        assertErrno(Errno.ERANGE, () -> XattrCalls.set(file, longestName + "y", bytes("v"), 0));
    }

    @Test
    void directoriesAndSymlinksHaveTheirOwnAttributes() throws Exception {
        Path dir = Files.createDirectory(mount.path("dir"));
        Path link = Files.createSymbolicLink(mount.path("link"), Path.of("file"));
        XattrCalls.set(dir, "user.on-dir", bytes("d"), 0);
        XattrCalls.lset(link, "trusted.on-link", bytes("l"), 0);
        assertArrayEquals(bytes("d"), XattrCalls.get(dir, "user.on-dir"));
        assertEquals(List.of(), XattrCalls.list(file), "the link's attribute is not the target's");
        assertErrno(Errno.EPERM, () -> XattrCalls.lset(link, "user.on-link", bytes("l"), 0));
        XattrCalls.set(link, "user.through-link", bytes("t"), 0);
        assertEquals(List.of("user.through-link"), XattrCalls.list(file), "setxattr follows the link");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
