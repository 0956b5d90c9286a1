package io.virtiofs.examples.kernel;

import static io.virtiofs.examples.kernel.ErrnoAssert.assertErrno;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtiofs.api.Errno;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ownership and permission rules, seen by callers other than root: who owns a new node (set-group-ID
 * directories included), umask, chmod and chown, the clearing of set-user-ID and set-group-ID on
 * write, truncate and chown, utimes, access by owner/group/other class, and sticky directories.
 *
 * <p>The same rules must hold whoever checks them; a subclass mounts either with memfs checking
 * (no {@code default_permissions}) or with the kernel checking ({@code default_permissions}, memfs
 * trusting it). Callers are threads acting as {@link Identity identities}, and a child process
 * through {@code setpriv}.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class PermissionRules {

    static final int STAFF = 5050;
    static final Identity ALICE = Identity.of(4001, 4001);
    static final Identity BOB = Identity.of(4002, 4002);

    MemFsMount mount;
    /** A 1777 directory owned by root, where anyone may create. */
    Path shared;

    /** Mounts memfs the way this subclass checks permissions. */
    abstract MemFsMount mountWithChecks();

    @BeforeEach
    void mount() throws Exception {
        mount = mountWithChecks();
        shared = Files.createDirectory(mount.path("shared"));
        PathCalls.chmod(shared, 01777);
    }

    @AfterEach
    void unmount() {
        mount.close();
    }

    /** A file in the shared directory owned by {@code owner} with exactly {@code mode}. */
    Path fileOf(Identity owner, String name, int mode) throws Exception {
        Path file = shared.resolve(name);
        Files.writeString(file, "content of " + name);
        PathCalls.chown(file, owner.uid(), owner.gid());
        PathCalls.chmod(file, mode);
        return file;
    }

    static void assertOwner(int uid, int gid, Path path) {
        Statx stat = Statx.of(path);
        assertEquals(List.of(uid, gid), List.of(stat.uid(), stat.gid()), "owner of " + path);
    }

    static void assertMode(int permissions, Path path) {
        assertEquals(Integer.toOctalString(permissions), Integer.toOctalString(Statx.of(path).permissions()),
                "mode of " + path);
    }

    @Test
    void newNodesBelongToTheCallersUidAndGid() throws Exception {
        ALICE.run(() -> {
            Files.createFile(shared.resolve("file"));
            Files.createDirectory(shared.resolve("dir"));
            Files.createSymbolicLink(shared.resolve("link"), Path.of("file"));
            PathCalls.mknod(shared.resolve("fifo"), Statx.S_IFIFO | 0600, 0, 0);
        });
        for (String name : List.of("file", "dir", "link", "fifo")) {
            assertOwner(ALICE.uid(), ALICE.gid(), shared.resolve(name));
        }
        ChildProcess.runAs(BOB, "touch", shared.resolve("bobs").toString()).requireSuccess();
        assertOwner(BOB.uid(), BOB.gid(), shared.resolve("bobs"));
        Files.createFile(shared.resolve("roots"));
        assertOwner(0, 0, shared.resolve("roots"));
    }

    @Test
    void theCallersUmaskIsApplied() throws Exception {
        ChildProcess.run("sh", "-c", "umask 027 && cd " + shared + " && mkdir d && touch f && mkfifo p && ln -s f l")
                .requireSuccess();
        assertMode(0750, shared.resolve("d"));
        assertMode(0640, shared.resolve("f"));
        assertMode(0640, shared.resolve("p"));
        assertMode(0777, shared.resolve("l"));
    }

    @Test
    void setgidDirectoriesPassTheirGroupDown() throws Exception {
        Path sgid = Files.createDirectory(shared.resolve("sgid"));
        PathCalls.chown(sgid, 0, STAFF);
        PathCalls.chmod(sgid, 02777);
        ALICE.run(() -> {
            Files.createFile(sgid.resolve("file"));
            Files.createDirectory(sgid.resolve("dir"));
            Descriptor.open(sgid.resolve("wants-sgid"), Descriptor.O_CREAT | Descriptor.O_WRONLY, 02755).close();
        });
        assertOwner(ALICE.uid(), STAFF, sgid.resolve("file"));
        assertOwner(ALICE.uid(), STAFF, sgid.resolve("dir"));
        assertEquals(02000, Statx.of(sgid.resolve("dir")).permissions() & 02000, "a directory inherits set-group-ID");
        assertMode(0755, sgid.resolve("wants-sgid")); // not in group 5050: the bit is dropped
        Identity.of(4003, STAFF).run(() -> Descriptor.open(sgid.resolve("member"),
                Descriptor.O_CREAT | Descriptor.O_WRONLY, 02755).close());
        assertMode(02755, sgid.resolve("member"));
        Files.createFile(sgid.resolve("roots"));
        assertOwner(0, STAFF, sgid.resolve("roots"));
    }

    @Test
    void onlyTheOwnerOrRootMayChmod() throws Exception {
        Path file = fileOf(ALICE, "file", 0644);
        BOB.run(() -> assertErrno(Errno.EPERM, () -> PathCalls.chmod(file, 0666)));
        assertMode(0644, file);
        ALICE.run(() -> PathCalls.chmod(file, 02700));
        assertMode(02700, file);
        PathCalls.chown(file, -1, STAFF);
        PathCalls.chmod(file, 0700);
        ALICE.run(() -> PathCalls.chmod(file, 02750)); // not in the file's group: set-group-ID is dropped
        assertMode(0750, file);
        PathCalls.chmod(file, 06777);
        assertMode(06777, file);
    }

    @Test
    void chownRules() throws Exception {
        Path file = fileOf(ALICE, "file", 0644);
        ALICE.run(() -> {
            assertErrno(Errno.EPERM, () -> PathCalls.chown(file, BOB.uid(), -1));
            assertErrno(Errno.EPERM, () -> PathCalls.chown(file, -1, STAFF));
            PathCalls.chown(file, ALICE.uid(), ALICE.gid()); // to what it is: allowed
        });
        BOB.run(() -> assertErrno(Errno.EPERM, () -> PathCalls.chown(file, -1, BOB.gid())));
        assertOwner(ALICE.uid(), ALICE.gid(), file);
        PathCalls.chown(file, BOB.uid(), STAFF);
        assertOwner(BOB.uid(), STAFF, file);

        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        UserPrincipalLookupService users = file.getFileSystem().getUserPrincipalLookupService();
        view.setOwner(users.lookupPrincipalByName(String.valueOf(ALICE.uid())));
        view.setGroup(users.lookupPrincipalByGroupName(String.valueOf(ALICE.gid())));
        view.setPermissions(PosixFilePermissions.fromString("rw-r-----"));
        PosixFileAttributes attributes = view.readAttributes();
        assertEquals(List.of(String.valueOf(ALICE.uid()), String.valueOf(ALICE.gid()), "rw-r-----"),
                List.of(attributes.owner().getName(), attributes.group().getName(),
                        PosixFilePermissions.toString(attributes.permissions())));
    }

    @Test
    void chownClearsSetuidAndExecutableSetgidOfFilesEvenForRoot() throws Exception {
        Path both = fileOf(ALICE, "both", 06755);
        PathCalls.chown(both, BOB.uid(), -1);
        assertMode(0755, both);
        Path lockMarker = fileOf(ALICE, "marker", 02644); // set-group-ID without group execute stays
        PathCalls.chown(lockMarker, -1, STAFF);
        assertMode(02644, lockMarker);
        Path dir = Files.createDirectory(shared.resolve("dir"));
        PathCalls.chmod(dir, 02775);
        PathCalls.chown(dir, ALICE.uid(), STAFF);
        assertMode(02775, dir);
    }

    @Test
    void writesAndTruncatesByOthersThanRootClearSetuidAndSetgid() throws Exception {
        Path file = fileOf(ALICE, "file", 06777);
        Files.writeString(file, "root writes");
        assertMode(06777, file);
        BOB.run(() -> Files.writeString(file, "bob writes"));
        assertMode(0777, file);
        PathCalls.chmod(file, 06777);
        BOB.run(() -> PathCalls.truncate(file, 3));
        assertMode(0777, file);
        PathCalls.chmod(file, 06777);
        ALICE.run(() -> {
            try (Descriptor fd = Descriptor.open(file, Descriptor.O_WRONLY)) {
                fd.pwrite("owner writes".getBytes(StandardCharsets.UTF_8), 0);
            }
        });
        assertMode(0777, file);
        Path marker = fileOf(ALICE, "marker", 02666);
        BOB.run(() -> Files.writeString(marker, "bob writes"));
        assertMode(02666, marker);
        assertEquals("bob writes", Files.readString(marker));
    }

    @Test
    void anOpenDescriptorKeepsItsAccessAndCarriesChmodAndChown() throws Exception {
        Path file = fileOf(ALICE, "file", 0644);
        byte[] still = "still".getBytes(StandardCharsets.UTF_8);
        ALICE.run(() -> {
            try (Descriptor fd = Descriptor.open(file, Descriptor.O_RDWR)) {
                fd.fchmod(0);
                assertMode(0, file);
                assertEquals(still.length, fd.pwrite(still, 0), "access is checked at open only");
                assertEquals("still", new String(fd.pread(0, 5), StandardCharsets.UTF_8));
                assertErrno(Errno.EPERM, () -> fd.fchown(BOB.uid(), -1));
            }
            assertErrno(Errno.EACCES, () -> Descriptor.open(file, Descriptor.O_RDONLY).close());
        });
        PathCalls.chmod(file, 06755);
        try (Descriptor fd = Descriptor.open(file, Descriptor.O_RDONLY)) {
            fd.fchown(BOB.uid(), BOB.gid());
        }
        assertOwner(BOB.uid(), BOB.gid(), file);
        assertMode(0755, file);
    }

    @Test
    void utimesNeedOwnershipForExplicitTimesAndWriteAccessForNow() throws Exception {
        Path writable = fileOf(ALICE, "writable", 0666);
        Path readOnly = fileOf(ALICE, "read-only", 0644);
        BOB.run(() -> {
            PathCalls.touch(writable);
            assertErrno(Errno.EPERM, () -> PathCalls.utimens(writable, 1, 0, 2, 0, 0));
            assertErrno(Errno.EACCES, () -> PathCalls.touch(readOnly));
        });
        ALICE.run(() -> PathCalls.utimens(readOnly, 1, 0, 2, 0, 0));
        assertEquals(2, Statx.of(readOnly).mtime().getEpochSecond());
    }

    @Test
    void accessIsDecidedByTheCallersClassAlone() throws Exception {
        Path groupReadable = fileOf(Identity.of(0, ALICE.gid()), "group-readable", 0640);
        ALICE.run(() -> {
            assertEquals("content of group-readable", Files.readString(groupReadable));
            assertErrno(Errno.EACCES, () -> Descriptor.open(groupReadable, Descriptor.O_WRONLY).close());
        });
        BOB.run(() -> assertErrno(Errno.EACCES, () -> Descriptor.open(groupReadable, Descriptor.O_RDONLY).close()));
        Path ownerExcluded = fileOf(ALICE, "owner-excluded", 0077);
        ALICE.run(() -> assertErrno(Errno.EACCES, () -> Descriptor.open(ownerExcluded, Descriptor.O_RDONLY).close()));
        BOB.run(() -> assertEquals("content of owner-excluded", Files.readString(ownerExcluded)));
    }

    @Test
    void directoriesNeedSearchToLookUpAndWriteToChange() throws Exception {
        Path closed = Files.createDirectory(mount.path("closed"));
        Files.writeString(closed.resolve("inside"), "x");
        PathCalls.chmod(closed, 0700);
        Path searchOnly = Files.createDirectory(mount.path("search-only"));
        Files.writeString(searchOnly.resolve("inside"), "y");
        PathCalls.chmod(searchOnly, 0711);
        ALICE.run(() -> {
            assertErrno(Errno.EACCES, () -> Statx.of(closed.resolve("inside")));
            assertEquals(1, Statx.of(searchOnly.resolve("inside")).nlink());
            assertErrno(Errno.EACCES, () -> Descriptor.open(searchOnly, Descriptor.O_RDONLY | Descriptor.O_DIRECTORY).close());
            assertErrno(Errno.EACCES, () -> PathCalls.mkdir(searchOnly.resolve("new"), 0755));
            assertErrno(Errno.EACCES, () -> PathCalls.unlink(searchOnly.resolve("inside")));
        });
        assertEquals("y", Files.readString(searchOnly.resolve("inside")));
    }

    /**
     * A caller's supplementary groups count as its own: FUSE requests carry only the primary
     * group, so memfs either trusts a driver that checked (default_permissions) or learns the
     * groups itself (/proc on /dev/fuse).
     */
    @Test
    void supplementaryGroupsCountForChgrpSetgidAndGroupAccess() throws Exception {
        Identity aliceInStaff = Identity.of(ALICE.uid(), ALICE.gid(), 4999, STAFF);
        Path file = fileOf(ALICE, "file", 0644);
        Path dir = Files.createDirectory(shared.resolve("dir"));
        PathCalls.chown(dir, ALICE.uid(), ALICE.gid());
        PathCalls.chmod(dir, 0755);
        aliceInStaff.run(() -> {
            PathCalls.chown(file, -1, STAFF); // chgrp to a supplementary group
            PathCalls.chmod(file, 02755); // set-group-ID kept: the caller is in the file's group
            PathCalls.chown(dir, -1, STAFF);
            PathCalls.chmod(dir, 02775);
            assertErrno(Errno.EPERM, () -> PathCalls.chown(file, -1, 4998)); // not one of its groups
        });
        assertOwner(ALICE.uid(), STAFF, file);
        assertMode(02755, file);
        assertOwner(ALICE.uid(), STAFF, dir);
        assertMode(02775, dir);
        Path staffOnly = fileOf(Identity.of(0, STAFF), "staff-only", 0640);
        Identity.of(4005, 4005, STAFF).run(() -> {
            assertEquals("content of staff-only", Files.readString(staffOnly));
            // In a set-group-ID directory of its supplementary group, a new file keeps set-group-ID.
            Descriptor.open(dir.resolve("member"), Descriptor.O_CREAT | Descriptor.O_WRONLY, 02755).close();
        });
        assertOwner(4005, STAFF, dir.resolve("member"));
        assertMode(02755, dir.resolve("member"));
        BOB.run(() -> assertErrno(Errno.EACCES, () -> Descriptor.open(staffOnly, Descriptor.O_RDONLY).close()));
    }

    @Test
    void stickyDirectoriesProtectOtherUsersNames() throws Exception {
        ALICE.run(() -> Files.writeString(shared.resolve("alices"), "mine"));
        BOB.run(() -> {
            Files.writeString(shared.resolve("bobs"), "bob's");
            assertErrno(Errno.EPERM, () -> PathCalls.unlink(shared.resolve("alices")));
            assertErrno(Errno.EPERM, () -> PathCalls.rename(shared.resolve("bobs"), shared.resolve("alices"), 0));
            assertErrno(Errno.EPERM, () -> PathCalls.rename(shared.resolve("alices"), shared.resolve("taken"), 0));
        });
        assertEquals("mine", Files.readString(shared.resolve("alices")));
        ALICE.run(() -> PathCalls.unlink(shared.resolve("alices")));
        PathCalls.unlink(shared.resolve("bobs")); // root may
        try (var listing = Files.list(shared)) {
            assertEquals(0, listing.count());
        }
    }
}
