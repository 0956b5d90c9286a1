package io.virtiofs.examples.kernel;

import static io.virtiofs.examples.kernel.ErrnoAssert.assertErrno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.virtiofs.api.Errno;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** rename(2) and renameat2(2) with RENAME_NOREPLACE and RENAME_EXCHANGE, and their errors. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RenameKernelTest {

    private MemFsMount mount;
    private Path a;
    private Path b;

    @BeforeEach
    void mount() throws Exception {
        mount = MemFsMount.mount();
        a = Files.createDirectory(mount.path("a"));
        b = Files.createDirectory(mount.path("b"));
    }

    @AfterEach
    void unmount() {
        mount.close();
    }

    @Test
    void renameReplacesTheTargetAtomically() throws Exception {
        Files.writeString(a.resolve("new"), "new");
        Files.writeString(b.resolve("old"), "old");
        long newIno = Statx.of(a.resolve("new")).ino();
        long freeInodes = PathCalls.statvfs(mount.root()).ffree();
        PathCalls.rename(a.resolve("new"), b.resolve("old"), 0);
        assertFalse(Files.exists(a.resolve("new")));
        assertEquals("new", Files.readString(b.resolve("old")));
        assertEquals(newIno, Statx.of(b.resolve("old")).ino());
        assertEquals(freeInodes + 1, mount.awaitStatfs("the replaced file is freed", stat -> stat.ffree() > freeInodes)
                .ffree());
        assertEquals(List.of(), names(a));
        assertEquals(List.of("old"), names(b));
    }

    @Test
    void noreplaceRefusesAnExistingTargetAndMovesOtherwise() throws Exception {
        Files.writeString(a.resolve("x"), "x");
        Files.writeString(b.resolve("y"), "y");
        assertErrno(Errno.EEXIST, () -> PathCalls.rename(a.resolve("x"), b.resolve("y"), PathCalls.RENAME_NOREPLACE));
        assertEquals("x", Files.readString(a.resolve("x")));
        assertEquals("y", Files.readString(b.resolve("y")));
        PathCalls.rename(a.resolve("x"), b.resolve("z"), PathCalls.RENAME_NOREPLACE);
        assertEquals(List.of(), names(a));
        assertEquals(List.of("y", "z"), names(b));
        assertEquals("x", Files.readString(b.resolve("z")));
    }

    @Test
    void exchangeSwapsAFileAndADirectoryAcrossDirectories() throws Exception {
        Files.writeString(a.resolve("file"), "file contents");
        Path dir = Files.createDirectory(b.resolve("dir"));
        Files.writeString(dir.resolve("inner"), "inner");
        long fileIno = Statx.of(a.resolve("file")).ino();
        long dirIno = Statx.of(dir).ino();
        assertEquals(List.of(2, 3), List.of(Statx.of(a).nlink(), Statx.of(b).nlink()));

        PathCalls.rename(a.resolve("file"), b.resolve("dir"), PathCalls.RENAME_EXCHANGE);

        assertEquals(dirIno, Statx.of(a.resolve("file")).ino(), "a/file is now the directory");
        assertEquals(fileIno, Statx.of(b.resolve("dir")).ino(), "b/dir is now the file");
        assertEquals("inner", Files.readString(a.resolve("file").resolve("inner")));
        assertEquals("file contents", Files.readString(b.resolve("dir")));
        assertEquals(Statx.of(a).ino(), Statx.of(a.resolve("file").resolve("..")).ino(), "the directory's .. moved");
        assertEquals(List.of(3, 2), List.of(Statx.of(a).nlink(), Statx.of(b).nlink()), "the subdirectory link moved");
    }

    @Test
    void exchangeSwapsTwoFilesInOneDirectory() throws Exception {
        Files.writeString(a.resolve("one"), "1");
        Files.writeString(a.resolve("two"), "2");
        PathCalls.rename(a.resolve("one"), a.resolve("two"), PathCalls.RENAME_EXCHANGE);
        assertEquals("2", Files.readString(a.resolve("one")));
        assertEquals("1", Files.readString(a.resolve("two")));
        assertEquals(List.of("one", "two"), names(a));
    }

    @Test
    void exchangeNeedsBothNamesAndExcludesNoreplace() throws Exception {
        Files.writeString(a.resolve("only"), "only");
        assertErrno(Errno.ENOENT, () -> PathCalls.rename(a.resolve("only"), b.resolve("missing"), PathCalls.RENAME_EXCHANGE));
        assertErrno(Errno.EINVAL, () -> PathCalls.rename(a.resolve("only"), b.resolve("missing"),
                PathCalls.RENAME_EXCHANGE | PathCalls.RENAME_NOREPLACE));
        assertEquals(List.of("only"), names(a));
        assertEquals(List.of(), names(b));
    }

    @Test
    void renameErrorsFollowPosix() throws Exception {
        Path full = Files.createDirectory(b.resolve("full"));
        Files.writeString(full.resolve("f"), "f");
        Path empty = Files.createDirectory(b.resolve("empty"));
        Path file = Files.writeString(a.resolve("file"), "file");
        Path sub = Files.createDirectory(a.resolve("sub"));

        assertErrno(Errno.ENOTEMPTY, () -> PathCalls.rename(sub, full, 0));
        assertErrno(Errno.EISDIR, () -> PathCalls.rename(file, empty, 0));
        assertErrno(Errno.ENOTDIR, () -> PathCalls.rename(sub, file, 0));
        assertErrno(Errno.EINVAL, () -> PathCalls.rename(a, sub.resolve("inside"), 0));
        assertErrno(Errno.ENOENT, () -> PathCalls.rename(a.resolve("missing"), b.resolve("x"), 0));

        long emptyIno = Statx.of(empty).ino();
        PathCalls.rename(sub, empty, 0);
        assertNotEquals(emptyIno, Statx.of(b.resolve("empty")).ino(), "a directory replaces an empty one");
        assertEquals(List.of("file"), names(a));
        assertEquals(List.of("empty", "full"), names(b));
        assertEquals(List.of(2, 4), List.of(Statx.of(a).nlink(), Statx.of(b).nlink()));
    }

    @Test
    void renamingToTheSameNameOrAHardLinkOfItselfChangesNothing() throws Exception {
        Path file = Files.writeString(a.resolve("file"), "same");
        Path link = Files.createLink(b.resolve("link"), file);
        PathCalls.rename(file, file, 0);
        PathCalls.rename(file, link, 0); // POSIX: both names stay
        assertEquals(List.of("file"), names(a));
        assertEquals(List.of("link"), names(b));
        assertEquals(2, Statx.of(file).nlink());
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> listing = Files.list(dir)) {
            return listing.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
