package io.virtiofs.testkit.contract;

import static io.virtiofs.testkit.contract.Client.S_IFDIR;
import static io.virtiofs.testkit.contract.Client.S_IFREG;
import static io.virtiofs.testkit.contract.Client.assertErrno;
import static io.virtiofs.testkit.contract.ContractSupport.utf8;
import static io.virtiofs.testkit.contract.SetattrBuilder.setattr;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtiofs.api.Attr;
import io.virtiofs.api.Errno;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.ReleaseRequest;
import io.virtiofs.api.Statx;
import io.virtiofs.api.StatxRequest;
import io.virtiofs.api.WriteRequest;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** setattr (chmod, chown, utimes), timestamps, set-user-ID and set-group-ID rules, statx. */
public interface AttributeContract extends ContractSupport {

    /** A file owned by uid 1000, gid 100, in a directory everyone may write. */
    private long userFile(String name, int mode) {
        long dir = root().mkdir(rootId(), "home-" + name, 0777);
        Client user = root().as(TestContext.user(1000, 100));
        Handle handle = user.create(dir, name, mode);
        user.release(handle);
        return handle.nodeid();
    }

    @Test
    default void chmodByTheOwnerChangesModeAndCtimeOnly() {
        long file = userFile("f", 0644);
        Attr before = root().attr(file);
        Instant t = clock().tick();
        Attr after = root().as(TestContext.user(1000, 100)).setattr(file, setattr().mode(0600).build()).attr();
        assertEquals(before.toBuilder().mode(S_IFREG | 0600).ctime(t.getEpochSecond(), t.getNano()).build(), after);
        assertEquals(after, root().attr(file));
        assertErrno(Errno.EPERM, () -> root().as(TestContext.user(1001, 100)).setattr(file, setattr().mode(0777).build()));
        root().setattr(file, setattr().mode(0755).build());
        assertEquals(S_IFREG | 0755, root().attr(file).mode(), "root may chmod anything");
    }

    @Test
    default void chmodByANonMemberDropsSetGroupId() {
        long file = userFile("f", 0644);
        Client owner = root().as(TestContext.user(1000, 100));
        root().setattr(file, setattr().gid(500).build());
        owner.setattr(file, setattr().mode(02755).build());
        assertEquals(S_IFREG | 0755, root().attr(file).mode(), "the owner is not in group 500");
        root().as(TestContext.user(1000, 100, 500)).setattr(file, setattr().mode(02755).build());
        assertEquals(S_IFREG | 02755, root().attr(file).mode());
    }

    @Test
    default void chownIsForRootAndOwnersMayOnlyChangeToTheirGroups() {
        long file = userFile("f", 0644);
        Client owner = root().as(TestContext.user(1000, 100, 200));
        assertErrno(Errno.EPERM, () -> owner.setattr(file, setattr().uid(1001).build()));
        assertErrno(Errno.EPERM, () -> owner.setattr(file, setattr().gid(300).build()));
        assertErrno(Errno.EPERM, () -> root().as(TestContext.user(1001, 100)).setattr(file, setattr().gid(100).build()));
        Instant t = clock().tick();
        owner.setattr(file, setattr().gid(200).build());
        Attr attr = root().attr(file);
        assertEquals(1000, attr.uid());
        assertEquals(200, attr.gid());
        assertEquals(t, ContractSupport.ctime(attr));
        root().setattr(file, setattr().uid(42).gid(43).build());
        assertEquals(42, root().attr(file).uid());
        assertEquals(43, root().attr(file).gid());
    }

    @Test
    default void chownClearsSetUserIdAndSetGroupIdEvenForRoot() {
        long file = userFile("f", 0644);
        root().setattr(file, setattr().mode(06755).build());
        root().setattr(file, setattr().uid(7).build());
        assertEquals(S_IFREG | 0755, root().attr(file).mode());
        root().setattr(file, setattr().mode(02745).build());
        root().setattr(file, setattr().gid(7).build());
        assertEquals(S_IFREG | 02745, root().attr(file).mode(), "set-group-ID without group execute stays");
        long dir = root().mkdir(rootId(), "d", 02755);
        root().setattr(dir, setattr().mode(06755).build());
        root().setattr(dir, setattr().uid(7).build());
        assertEquals(S_IFDIR | 06755, root().attr(dir).mode(), "directories keep them");
    }

    @Test
    default void writesByOthersThanRootClearSetUserId() {
        long file = userFile("f", 0666);
        root().setattr(file, setattr().mode(06777).build());
        long fh = root().open(file, OpenFlags.O_RDWR);
        root().write(file, fh, 0, utf8("root"));
        assertEquals(S_IFREG | 06777, root().attr(file).mode(), "root's write keeps the bits");
        Client user = root().as(TestContext.user(1001, 100));
        long userFh = user.open(file, OpenFlags.O_RDWR);
        user.write(file, userFh, 0, utf8("user"));
        assertEquals(S_IFREG | 0777, root().attr(file).mode());
        root().setattr(file, setattr().mode(04755).build());
        var buf = Unpooled.wrappedBuffer(utf8("kill"));
        try {
            root().fs().write(root().ctx(), new WriteRequest(file, fh, 0, 4, WriteRequest.KILL_SUIDGID, 0, OpenFlags.O_RDWR), buf);
        } finally {
            buf.release();
        }
        assertEquals(S_IFREG | 0755, root().attr(file).mode(), "the kill flag clears even for root");
        root().setattr(file, setattr().mode(04755).build());
        root().setattr(file, setattr().killSuidgid().build());
        assertEquals(S_IFREG | 0755, root().attr(file).mode());
        root().setattr(file, setattr().mode(04777).build());
        user.setattr(file, setattr().size(2).fh(userFh).build());
        assertEquals(S_IFREG | 0777, root().attr(file).mode(), "a truncate by a user clears it");
        root().release(file, fh);
        user.release(file, userFh);
    }

    @Test
    default void utimesSetsExactTimesOrNow() {
        long file = userFile("f", 0666);
        Instant atime = Instant.parse("2001-02-03T04:05:06.123456789Z");
        Instant mtime = Instant.parse("1999-12-31T23:59:59.999999999Z");
        Instant t = clock().tick();
        Client owner = root().as(TestContext.user(1000, 100));
        Attr attr = owner.setattr(file, setattr().atime(atime).mtime(mtime).build()).attr();
        assertEquals(atime, ContractSupport.atime(attr));
        assertEquals(mtime, ContractSupport.mtime(attr));
        assertEquals(t, ContractSupport.ctime(attr));
        Instant t2 = clock().advance(Duration.ofNanos(7));
        attr = owner.setattr(file, setattr().mtimeNow().build()).attr();
        assertEquals(atime, ContractSupport.atime(attr), "only mtime changes");
        assertEquals(t2, ContractSupport.mtime(attr));
        attr = owner.setattr(file, setattr().atime(mtime).build()).attr();
        assertEquals(mtime, ContractSupport.atime(attr), "only atime changes");
        assertEquals(t2, ContractSupport.mtime(attr));
    }

    @Test
    default void utimesPermissionsDependOnOwnershipAndWriteAccess() {
        long file = userFile("f", 0666);
        long readOnly = userFile("g", 0644);
        Client other = root().as(TestContext.user(1001, 101));
        Instant some = Instant.parse("2010-01-01T00:00:00Z");
        assertErrno(Errno.EPERM, () -> other.setattr(file, setattr().mtime(some).build()));
        Instant t = clock().tick();
        other.setattr(file, setattr().atimeNow().mtimeNow().build());
        assertEquals(t, ContractSupport.mtime(root().attr(file)), "write access suffices for 'now'");
        assertErrno(Errno.EACCES, () -> other.setattr(readOnly, setattr().mtimeNow().build()));
    }

    @Test
    default void statxAddsTheBirthTime() {
        Instant born = clock().tick();
        Handle file = root().create(rootId(), "f", 0644);
        clock().tick();
        root().write(file, 0, utf8("x"));
        Statx statx = root().fs().statx(root().ctx(), new StatxRequest(file.nodeid(), 0, 0, 0, Statx.STATX_BASIC_STATS
                | Statx.STATX_BTIME)).statx();
        Attr attr = root().attr(file.nodeid());
        assertEquals(Statx.fromAttr(attr, born.getEpochSecond(), born.getNano(), true), statx);
        Statx viaHandle = root().fs().statx(root().ctx(), new StatxRequest(file.nodeid(), file.fh(), StatxRequest.GETATTR_FH,
                0, Statx.STATX_BASIC_STATS)).statx();
        assertEquals(statx, viaHandle);
        root().fs().release(root().ctx(), new ReleaseRequest(file.nodeid(), file.fh(), OpenFlags.O_RDWR, 0, 0));
    }
}
