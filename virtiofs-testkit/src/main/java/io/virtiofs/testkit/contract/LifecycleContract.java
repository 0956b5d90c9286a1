package io.virtiofs.testkit.contract;

import static io.virtiofs.testkit.contract.Client.assertErrno;
import static io.virtiofs.testkit.contract.ContractSupport.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtiofs.api.Errno;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.ReleaseRequest;
import io.virtiofs.api.StatFs;
import org.junit.jupiter.api.Test;

/**
 * When nodes go away: a node lives while it has a name, a lookup the driver has not forgotten, or
 * an open handle; then its inode and space come back. The root never goes away.
 */
public interface LifecycleContract extends ContractSupport {

    @Test
    default void theRootSurvivesAnyForget() {
        root().lookup(rootId(), ".");
        root().forget(rootId(), 1_000_000);
        assertEquals(2, root().attr(rootId()).nlink());
        root().mkdir(rootId(), "still-works", 0755);
    }

    @Test
    default void aNamedNodeSurvivesForget() {
        long node = root().writeFile(rootId(), "f", utf8("kept"));
        root().forget(node, 1);
        assertArrayEquals(utf8("kept"), root().content(root().nodeid(rootId(), "f")));
    }

    @Test
    default void aNodeIsFreedOnlyWhenUnlinkedForgottenAndClosed() {
        Client small = newFileSystem(ContractSetup.standard().withCapacity(1 << 20).withMaxInodes(10));
        long root = rootId();
        StatFs empty = small.statfs();
        Handle file = small.create(root, "f", 0644);
        small.write(file, 0, new byte[8192]);
        long second = small.link(file.nodeid(), root, "g").nodeid();
        small.unlink(root, "f");
        small.forget(file.nodeid(), 1);
        small.forget(second, 1);
        small.release(file);
        assertEquals(empty.ffree() - 1, small.statfs().ffree(), "still named g");
        long fh = small.open(small.nodeid(root, "g"), OpenFlags.O_RDONLY);
        small.unlink(root, "g");
        assertEquals(empty.ffree() - 1, small.statfs().ffree(), "remembered (lookup) and open");
        small.forget(file.nodeid(), 1);
        assertEquals(empty.ffree() - 1, small.statfs().ffree(), "still open");
        small.release(file.nodeid(), fh);
        assertEquals(empty, small.statfs(), "inode and blocks are back");
    }

    @Test
    default void inodesRunOutWithEnospcAndComeBack() {
        Client tiny = newFileSystem(ContractSetup.standard().withMaxInodes(3));
        long root = rootId();
        long a = tiny.mkdir(root, "a", 0755);
        tiny.mknod(root, "b", 0644, 0);
        assertErrno(Errno.ENOSPC, () -> tiny.mknod(root, "c", 0644, 0));
        assertErrno(Errno.ENOSPC, () -> tiny.symlink(root, "c", "x"));
        tiny.rmdir(root, "a");
        tiny.forget(a, 1);
        tiny.mknod(root, "c", 0644, 0);
        assertEquals(0, tiny.statfs().ffree());
    }

    @Test
    default void aRemovedDirectoryLivesWhileOpen() {
        long dir = root().mkdir(rootId(), "d", 0755);
        long fh = root().fs().opendir(root().ctx(), dir, OpenFlags.of(OpenFlags.O_RDONLY)).fh();
        long free = root().statfs().ffree();
        root().rmdir(rootId(), "d");
        root().forget(dir, 1);
        assertEquals(0, root().attr(dir).nlink());
        assertEquals(free, root().statfs().ffree());
        root().fs().releasedir(root().ctx(), new ReleaseRequest(dir, fh, 0, 0, 0));
        assertEquals(free + 1, root().statfs().ffree());
    }
}
