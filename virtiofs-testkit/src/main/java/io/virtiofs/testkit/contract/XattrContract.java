package io.virtiofs.testkit.contract;

import static io.virtiofs.testkit.contract.Client.assertErrno;
import static io.virtiofs.testkit.contract.ContractSupport.strings;
import static io.virtiofs.testkit.contract.ContractSupport.utf8;
import static io.virtiofs.testkit.contract.ContractSupport.xattr;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.XattrFlags;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Extended attributes: namespaces, flags, limits, permissions, and ctime. */
public interface XattrContract extends ContractSupport {

    XattrFlags CREATE = new XattrFlags(XattrFlags.CREATE, 0);
    XattrFlags REPLACE = new XattrFlags(XattrFlags.REPLACE, 0);

    @Test
    default void setGetListRemove() {
        FileSystem fs = root().fs();
        Context ctx = root().ctx();
        long file = root().writeFile(rootId(), "f", utf8("x"));
        Instant t = clock().tick();
        fs.setxattr(ctx, file, xattr("user.a"), utf8("1"), XattrFlags.NONE);
        assertEquals(t, ContractSupport.ctime(root().attr(file)));
        fs.setxattr(ctx, file, xattr("trusted.b"), new byte[0], XattrFlags.NONE);
        fs.setxattr(ctx, file, xattr("security.c"), utf8("3"), XattrFlags.NONE);
        assertArrayEquals(utf8("1"), fs.getxattr(ctx, file, xattr("user.a")));
        assertArrayEquals(new byte[0], fs.getxattr(ctx, file, xattr("trusted.b")));
        assertEquals(List.of("user.a", "trusted.b", "security.c"), strings(fs.listxattr(ctx, file)));
        fs.setxattr(ctx, file, xattr("user.a"), utf8("changed"), XattrFlags.NONE);
        assertArrayEquals(utf8("changed"), fs.getxattr(ctx, file, xattr("user.a")));
        Instant t2 = clock().tick();
        fs.removexattr(ctx, file, xattr("user.a"));
        assertEquals(t2, ContractSupport.ctime(root().attr(file)));
        assertEquals(List.of("trusted.b", "security.c"), strings(fs.listxattr(ctx, file)));
        assertErrno(Errno.ENODATA, () -> fs.getxattr(ctx, file, xattr("user.a")));
        assertErrno(Errno.ENODATA, () -> fs.removexattr(ctx, file, xattr("user.a")));
    }

    @Test
    default void createAndReplaceFlags() {
        FileSystem fs = root().fs();
        Context ctx = root().ctx();
        long file = root().writeFile(rootId(), "f", utf8("x"));
        assertErrno(Errno.ENODATA, () -> fs.setxattr(ctx, file, xattr("user.k"), utf8("v"), REPLACE));
        fs.setxattr(ctx, file, xattr("user.k"), utf8("v"), CREATE);
        assertErrno(Errno.EEXIST, () -> fs.setxattr(ctx, file, xattr("user.k"), utf8("w"), CREATE));
        fs.setxattr(ctx, file, xattr("user.k"), utf8("w"), REPLACE);
        assertArrayEquals(utf8("w"), fs.getxattr(ctx, file, xattr("user.k")));
    }

    @Test
    default void namespacesAndLimitsFollowLinux() {
        FileSystem fs = root().fs();
        Context ctx = root().ctx();
        long file = root().writeFile(rootId(), "f", utf8("x"));
        assertErrno(Errno.EOPNOTSUPP, () -> fs.setxattr(ctx, file, xattr("system.posix_acl_access"), new byte[4], XattrFlags.NONE));
        assertErrno(Errno.EOPNOTSUPP, () -> fs.getxattr(ctx, file, xattr("system.posix_acl_access")));
        assertErrno(Errno.EOPNOTSUPP, () -> fs.setxattr(ctx, file, xattr("other.name"), new byte[1], XattrFlags.NONE));
        assertErrno(Errno.EINVAL, () -> fs.setxattr(ctx, file, xattr("user."), new byte[1], XattrFlags.NONE));
        assertErrno(Errno.ERANGE, () -> fs.setxattr(ctx, file, xattr("user." + "n".repeat(251)), new byte[1], XattrFlags.NONE));
        fs.setxattr(ctx, file, xattr("user." + "n".repeat(250)), new byte[65536], XattrFlags.NONE);
        assertEquals(65536, fs.getxattr(ctx, file, xattr("user." + "n".repeat(250))).length);
        assertErrno(Errno.E2BIG, () -> fs.setxattr(ctx, file, xattr("user.big"), new byte[65537], XattrFlags.NONE));
        assertEquals(List.of("user." + "n".repeat(250)), strings(fs.listxattr(ctx, file)));
    }

    @Test
    default void permissionsDependOnTheNamespace() {
        FileSystem fs = root().fs();
        long dir = root().mkdir(rootId(), "d", 0777);
        Client alice = root().as(TestContext.user(1000, 100));
        Client bob = root().as(TestContext.user(1001, 101));
        long file = alice.writeFile(dir, "f", utf8("x"));
        fs.setxattr(alice.ctx(), file, xattr("user.mine"), utf8("1"), XattrFlags.NONE);
        assertErrno(Errno.EACCES, () -> fs.setxattr(bob.ctx(), file, xattr("user.bob"), utf8("1"), XattrFlags.NONE));
        assertArrayEquals(utf8("1"), fs.getxattr(bob.ctx(), file, xattr("user.mine")), "0644: others may read");
        assertErrno(Errno.EPERM, () -> fs.setxattr(alice.ctx(), file, xattr("trusted.t"), utf8("1"), XattrFlags.NONE));
        assertErrno(Errno.EPERM, () -> fs.setxattr(alice.ctx(), file, xattr("security.s"), utf8("1"), XattrFlags.NONE));
        fs.setxattr(root().ctx(), file, xattr("trusted.t"), utf8("2"), XattrFlags.NONE);
        assertErrno(Errno.ENODATA, () -> fs.getxattr(alice.ctx(), file, xattr("trusted.t")));
        assertEquals(List.of("user.mine"), strings(fs.listxattr(alice.ctx(), file)), "trusted.* is hidden from users");
        assertEquals(List.of("user.mine", "trusted.t"), strings(fs.listxattr(root().ctx(), file)));
        long link = alice.symlink(dir, "l", "f");
        assertErrno(Errno.EPERM, () -> fs.setxattr(alice.ctx(), link, xattr("user.x"), utf8("1"), XattrFlags.NONE));
        assertErrno(Errno.ENODATA, () -> fs.getxattr(alice.ctx(), link, xattr("user.x")));
    }
}
