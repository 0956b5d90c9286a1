package io.virtiofs.testkit.contract;

import static io.virtiofs.testkit.contract.Client.assertErrno;
import static io.virtiofs.testkit.contract.ContractSupport.ctime;
import static io.virtiofs.testkit.contract.ContractSupport.mtime;
import static io.virtiofs.testkit.contract.ContractSupport.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtiofs.api.Attr;
import io.virtiofs.api.Errno;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.RenameFlags;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** rename and renameat2: moving, replacing, exchanging, and every error POSIX and Linux define. */
public interface RenameContract extends ContractSupport {

    @Test
    default void renameWithinADirectoryMovesTheNameAndTouchesTimes() {
        long file = root().writeFile(rootId(), "a", utf8("content"));
        Instant t = clock().tick();
        root().rename(rootId(), "a", rootId(), "b");
        assertEquals(List.of("b"), root().names(rootId()));
        assertEquals(file, root().nodeid(rootId(), "b"));
        assertErrno(Errno.ENOENT, () -> root().lookup(rootId(), "a"));
        Attr moved = root().attr(file);
        assertEquals(t, ctime(moved));
        assertEquals(1, moved.nlink());
        Attr dir = root().attr(rootId());
        assertEquals(t, mtime(dir));
        assertEquals(t, ctime(dir));
        assertArrayEquals(utf8("content"), root().content(file));
    }

    @Test
    default void renamingADirectoryAcrossParentsMovesItsDotDot() {
        long a = root().mkdir(rootId(), "a", 0755);
        long b = root().mkdir(rootId(), "b", 0755);
        long sub = root().mkdir(a, "sub", 0755);
        root().writeFile(sub, "f", utf8("x"));
        Instant t = clock().tick();
        root().rename(a, "sub", b, "moved");
        assertEquals(2, root().attr(a).nlink());
        assertEquals(3, root().attr(b).nlink());
        assertEquals(b, root().lookup(sub, "..").nodeid());
        assertEquals(List.of("f"), root().names(root().nodeid(b, "moved")));
        for (long dir : new long[] {a, b}) {
            assertEquals(t, mtime(root().attr(dir)));
            assertEquals(t, ctime(root().attr(dir)));
        }
        assertEquals(t, ctime(root().attr(sub)));
    }

    @Test
    default void renameOverAFileReplacesIt() {
        long a = root().writeFile(rootId(), "a", utf8("new"));
        long b = root().writeFile(rootId(), "b", utf8("old"));
        long fh = root().open(b, OpenFlags.O_RDONLY);
        Instant t = clock().tick();
        root().rename(rootId(), "a", rootId(), "b");
        assertEquals(List.of("b"), root().names(rootId()));
        assertEquals(a, root().nodeid(rootId(), "b"));
        Attr replaced = root().attr(b);
        assertEquals(0, replaced.nlink());
        assertEquals(t, ctime(replaced));
        assertArrayEquals(utf8("old"), root().read(b, fh, 0, 10), "an open replaced file keeps its data");
        root().release(b, fh);
    }

    @Test
    default void renameOverAnEmptyDirectoryReplacesIt() {
        long a = root().mkdir(rootId(), "a", 0755);
        long b = root().mkdir(rootId(), "b", 0755);
        root().rename(rootId(), "a", rootId(), "b");
        assertEquals(a, root().nodeid(rootId(), "b"));
        assertEquals(0, root().attr(b).nlink());
        assertEquals(3, root().attr(rootId()).nlink());
    }

    @Test
    default void noReplaceFailsWhenTheTargetExists() {
        root().writeFile(rootId(), "a", utf8("a"));
        root().writeFile(rootId(), "b", utf8("b"));
        assertErrno(Errno.EEXIST, () -> root().rename(rootId(), "a", rootId(), "b", RenameFlags.NOREPLACE));
        root().rename(rootId(), "a", rootId(), "c", RenameFlags.NOREPLACE);
        assertEquals(List.of("b", "c"), root().names(rootId()).stream().sorted().toList());
    }

    @Test
    default void exchangeSwapsTwoNodesOfAnyType() {
        long dirA = root().mkdir(rootId(), "A", 0755);
        long dirB = root().mkdir(rootId(), "B", 0755);
        long file = root().writeFile(dirA, "x", utf8("file"));
        long sub = root().mkdir(dirB, "y", 0755);
        Instant t = clock().tick();
        root().rename(dirA, "x", dirB, "y", RenameFlags.EXCHANGE);
        assertEquals(sub, root().nodeid(dirA, "x"));
        assertEquals(file, root().nodeid(dirB, "y"));
        assertEquals(dirA, root().lookup(sub, "..").nodeid());
        assertEquals(3, root().attr(dirA).nlink(), "A gained the subdirectory");
        assertEquals(2, root().attr(dirB).nlink(), "B lost it");
        assertEquals(t, ctime(root().attr(file)));
        assertEquals(t, ctime(root().attr(sub)));
        assertEquals(1, root().attr(file).nlink());
        assertErrno(Errno.ENOENT, () -> root().rename(dirA, "x", dirB, "absent", RenameFlags.EXCHANGE));
    }

    @Test
    default void invalidFlagCombinationsAreRejected() {
        root().writeFile(rootId(), "a", utf8("a"));
        root().writeFile(rootId(), "b", utf8("b"));
        assertErrno(Errno.EINVAL, () -> root().rename(rootId(), "a", rootId(), "b",
                RenameFlags.EXCHANGE | RenameFlags.NOREPLACE));
        assertErrno(Errno.EINVAL, () -> root().rename(rootId(), "a", rootId(), "c", RenameFlags.WHITEOUT));
        assertErrno(Errno.EINVAL, () -> root().rename(rootId(), "a", rootId(), "c", 1 << 5));
        assertEquals(List.of("a", "b"), root().names(rootId()).stream().sorted().toList());
    }

    @Test
    default void typeMismatchesAndNonEmptyTargetsFail() {
        long dir = root().mkdir(rootId(), "dir", 0755);
        root().mkdir(rootId(), "full", 0755);
        root().writeFile(root().nodeid(rootId(), "full"), "inside", utf8("x"));
        root().writeFile(rootId(), "file", utf8("x"));
        assertErrno(Errno.ENOTDIR, () -> root().rename(rootId(), "dir", rootId(), "file"));
        assertErrno(Errno.EISDIR, () -> root().rename(rootId(), "file", rootId(), "dir"));
        assertErrno(Errno.ENOTEMPTY, () -> root().rename(rootId(), "dir", rootId(), "full"));
        assertErrno(Errno.ENOENT, () -> root().rename(rootId(), "absent", rootId(), "x"));
        assertErrno(Errno.EBUSY, () -> root().rename(rootId(), ".", rootId(), "x"));
        assertEquals(List.of("dir", "file", "full"), root().names(rootId()).stream().sorted().toList());
        assertEquals(List.of(), root().names(dir));
    }

    @Test
    default void aDirectoryCannotMoveIntoItsOwnSubtree() {
        long a = root().mkdir(rootId(), "a", 0755);
        long b = root().mkdir(a, "b", 0755);
        long c = root().mkdir(b, "c", 0755);
        assertErrno(Errno.EINVAL, () -> root().rename(rootId(), "a", c, "a"));
        assertErrno(Errno.EINVAL, () -> root().rename(rootId(), "a", a, "self"));
        assertErrno(Errno.ENOENT, () -> root().rename(rootId(), "a", c, "x", RenameFlags.EXCHANGE));
        root().writeFile(c, "x", utf8("x"));
        assertErrno(Errno.EINVAL, () -> root().rename(rootId(), "a", c, "x", RenameFlags.EXCHANGE));
        // The target is an ancestor of the source: it cannot be empty.
        assertErrno(Errno.ENOTEMPTY, () -> root().rename(b, "c", rootId(), "a"));
        assertEquals(List.of("a"), root().names(rootId()));
        assertEquals(rootId(), root().lookup(a, "..").nodeid());
    }

    @Test
    default void renamingOneNodeOntoAnotherOfItsNamesDoesNothing() {
        long file = root().writeFile(rootId(), "a", utf8("x"));
        root().link(file, rootId(), "b");
        root().rename(rootId(), "a", rootId(), "b");
        assertEquals(List.of("a", "b"), root().names(rootId()).stream().sorted().toList());
        assertEquals(2, root().attr(file).nlink());
        root().rename(rootId(), "a", rootId(), "a");
        assertEquals(2, root().attr(file).nlink());
    }

    @Test
    default void stickyDirectoriesProtectOthersNames() {
        long tmp = root().mkdir(rootId(), "tmp", 0777);
        root().setattr(tmp, SetattrBuilder.setattr().mode(01777).build());
        Client alice = root().as(TestContext.user(1000, 100));
        Client bob = root().as(TestContext.user(1001, 100));
        alice.release(alice.create(tmp, "alice", 0666));
        assertErrno(Errno.EPERM, () -> bob.rename(tmp, "alice", tmp, "bob"));
        assertErrno(Errno.EPERM, () -> bob.unlink(tmp, "alice"));
        bob.release(bob.create(tmp, "bob", 0666));
        // bob's file cannot be replaced by alice
        assertErrno(Errno.EPERM, () -> alice.rename(tmp, "alice", tmp, "bob"));
        alice.rename(tmp, "alice", tmp, "alice2");
        root().rename(tmp, "alice2", tmp, "bob");
        assertEquals(List.of("bob"), root().names(tmp));
    }
}
