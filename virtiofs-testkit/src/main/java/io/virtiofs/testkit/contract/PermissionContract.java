package io.virtiofs.testkit.contract;

import static io.virtiofs.testkit.contract.Client.assertErrno;
import static io.virtiofs.testkit.contract.ContractSupport.utf8;
import static io.virtiofs.testkit.contract.SetattrBuilder.setattr;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtiofs.api.AccessMask;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.ReleaseRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Permission checks: search, read and write bits by owner, group and other; root; sticky directories; access(). */
public interface PermissionContract extends ContractSupport {

    private Client alice() {
        return root().as(TestContext.user(1000, 100));
    }

    private Client bob() {
        return root().as(TestContext.user(1001, 101));
    }

    private Client carol() {
        return root().as(TestContext.user(1002, 102, 100));
    }

    private long aliceDir(int mode) {
        long dir = root().mkdir(rootId(), "alice", 0755);
        root().setattr(dir, setattr().uid(1000).gid(100).mode(mode).build());
        return dir;
    }

    @Test
    default void searchPermissionIsNeededToLookUp() {
        long dir = aliceDir(0700);
        root().writeFile(dir, "f", utf8("x"));
        alice().lookup(dir, "f");
        assertErrno(Errno.EACCES, () -> bob().lookup(dir, "f"));
        assertErrno(Errno.EACCES, () -> bob().lookup(dir, "absent"));
        root().setattr(dir, setattr().mode(0711).build());
        bob().lookup(dir, "f");
        root().lookup(dir, "f");
    }

    @Test
    default void writeAndSearchPermissionAreNeededToCreateAndRemove() {
        long dir = aliceDir(0755);
        alice().writeFile(dir, "mine", utf8("x"));
        assertErrno(Errno.EACCES, () -> bob().create(dir, "f", 0644));
        assertErrno(Errno.EACCES, () -> bob().mkdir(dir, "d", 0755));
        assertErrno(Errno.EACCES, () -> bob().unlink(dir, "mine"));
        assertErrno(Errno.EACCES, () -> bob().rename(dir, "mine", dir, "yours"));
        assertErrno(Errno.EACCES, () -> bob().symlink(dir, "l", "x"));
        root().setattr(dir, setattr().mode(0775).build());
        carol().mkdir(dir, "carol", 0755);
        assertEquals(List.of("carol", "mine"), root().names(dir).stream().sorted().toList());
    }

    @Test
    default void errorsComeInTheOrderLinuxChecksThem() {
        long dir = aliceDir(0755);
        long file = alice().writeFile(dir, "f", utf8("data"));
        alice().setattr(file, setattr().mode(0666).build());
        // The name exists: EEXIST before EACCES, and O_CREAT without O_EXCL just opens it.
        assertErrno(Errno.EEXIST, () -> bob().mkdir(dir, "f", 0755));
        assertErrno(Errno.EEXIST, () -> bob().create(dir, "f", 0644));
        Handle opened = bob().create(dir, "f", 0644, OpenFlags.O_RDWR | OpenFlags.O_CREAT);
        assertEquals(file, opened.nodeid());
        bob().release(opened);
        // The name is absent: ENOENT before EACCES.
        assertErrno(Errno.ENOENT, () -> bob().unlink(dir, "absent"));
        assertErrno(Errno.ENOENT, () -> bob().rmdir(dir, "absent"));
        assertErrno(Errno.ENOENT, () -> bob().rename(dir, "absent", dir, "x"));
        assertErrno(Errno.EACCES, () -> bob().unlink(dir, "f"));
        // Without search permission nothing about the names is revealed.
        root().setattr(dir, setattr().mode(0700).build());
        assertErrno(Errno.EACCES, () -> bob().mkdir(dir, "f", 0755));
        assertErrno(Errno.EACCES, () -> bob().unlink(dir, "absent"));
    }

    @Test
    default void openChecksReadAndWriteBitsOfTheCallersClass() {
        long dir = aliceDir(0755);
        long file = alice().writeFile(dir, "f", utf8("data"));
        alice().setattr(file, setattr().mode(0460).build());
        // The owner's class is r--: the owner cannot write although group and others may more.
        assertErrno(Errno.EACCES, () -> alice().open(file, OpenFlags.O_WRONLY));
        alice().release(file, alice().open(file, OpenFlags.O_RDONLY));
        carol().release(file, carol().open(file, OpenFlags.O_RDWR));
        assertErrno(Errno.EACCES, () -> bob().open(file, OpenFlags.O_RDONLY));
        assertErrno(Errno.EACCES, () -> alice().open(file, OpenFlags.O_RDONLY | OpenFlags.O_TRUNC));
        root().release(file, root().open(file, OpenFlags.O_RDWR));
        assertArrayEquals(utf8("data"), root().content(file));
    }

    @Test
    default void rootBypassesReadAndWriteButNeedsSomeExecuteBit() {
        long file = root().writeFile(rootId(), "f", utf8("x"));
        root().setattr(file, setattr().mode(0).build());
        root().release(file, root().open(file, OpenFlags.O_RDWR));
        root().fs().access(root().ctx(), file, AccessMask.of(AccessMask.R_OK | AccessMask.W_OK));
        assertErrno(Errno.EACCES, () -> root().fs().access(root().ctx(), file, AccessMask.of(AccessMask.X_OK)));
        root().setattr(file, setattr().mode(0001).build());
        root().fs().access(root().ctx(), file, AccessMask.of(AccessMask.X_OK));
        long dir = root().mkdir(rootId(), "d", 0);
        root().fs().access(root().ctx(), dir, AccessMask.of(AccessMask.X_OK | AccessMask.R_OK | AccessMask.W_OK));
        root().writeFile(dir, "inside", utf8("y"));
    }

    @Test
    default void accessAnswersForTheCaller() {
        long dir = aliceDir(0750);
        FileSystem fs = root().fs();
        fs.access(alice().ctx(), dir, AccessMask.of(AccessMask.R_OK | AccessMask.W_OK | AccessMask.X_OK));
        fs.access(carol().ctx(), dir, AccessMask.of(AccessMask.R_OK | AccessMask.X_OK));
        assertErrno(Errno.EACCES, () -> fs.access(carol().ctx(), dir, AccessMask.of(AccessMask.W_OK)));
        assertErrno(Errno.EACCES, () -> fs.access(bob().ctx(), dir, AccessMask.of(AccessMask.R_OK)));
        fs.access(bob().ctx(), dir, AccessMask.EXISTS);
        assertErrno(Errno.ENOENT, () -> fs.access(bob().ctx(), 999_999, AccessMask.EXISTS));
    }

    @Test
    default void opendirNeedsReadPermission() {
        long dir = aliceDir(0711);
        assertErrno(Errno.EACCES, () -> bob().fs().opendir(bob().ctx(), dir, OpenFlags.of(OpenFlags.O_RDONLY)));
        long fh = alice().fs().opendir(alice().ctx(), dir, OpenFlags.of(OpenFlags.O_RDONLY)).fh();
        alice().fs().releasedir(alice().ctx(), new ReleaseRequest(dir, fh, 0, 0, 0));
    }

    @Test
    default void stickyDirectoriesLetOwnersRemove() {
        long tmp = root().mkdir(rootId(), "tmp", 0777);
        root().setattr(tmp, setattr().uid(1002).mode(01777).build());
        alice().writeFile(tmp, "a", utf8("a"));
        alice().writeFile(tmp, "b", utf8("b"));
        assertErrno(Errno.EPERM, () -> bob().unlink(tmp, "a"));
        alice().unlink(tmp, "a");
        carol().unlink(tmp, "b");
        alice().mkdir(tmp, "d", 0777);
        assertErrno(Errno.EPERM, () -> bob().rmdir(tmp, "d"));
        root().rmdir(tmp, "d");
        assertEquals(List.of(), root().names(tmp));
    }
}
