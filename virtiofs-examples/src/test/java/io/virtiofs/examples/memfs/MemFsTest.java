package io.virtiofs.examples.memfs;

import static io.virtiofs.testkit.contract.Client.assertErrno;
import static io.virtiofs.testkit.contract.ContractSupport.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.AccessMask;
import io.virtiofs.api.AttrReply;
import io.virtiofs.api.Capability;
import io.virtiofs.api.CreateReply;
import io.virtiofs.api.DaxWindow;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileLock;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.InitConfig;
import io.virtiofs.api.LockRequest;
import io.virtiofs.api.Notifier;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.OpenReply;
import io.virtiofs.testkit.contract.Client;
import io.virtiofs.testkit.contract.ContractSupport;
import io.virtiofs.testkit.contract.Handle;
import io.virtiofs.testkit.contract.SetattrBuilder;
import io.virtiofs.testkit.contract.TestClock;
import io.virtiofs.testkit.contract.TestContext;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What is particular to memfs beyond the SPI contract: configuration, INIT, caching, atime policies. */
class MemFsTest {

    private final TestClock clock = TestClock.standard();

    private Client client(MemFsConfig.Builder config) {
        return new Client(new MemFs(config.clock(clock).build()), TestContext.root());
    }

    /** An INIT where the driver offers everything (but what {@link #notOffered} holds). */
    private static final class OfferingEverything implements InitConfig {
        final Set<Capability> accepted = EnumSet.noneOf(Capability.class);
        final Set<Capability> notOffered = EnumSet.noneOf(Capability.class);
        int granularity = 1_000_000_000;

        @Override
        public int driverMajor() {
            return 7;
        }

        @Override
        public int driverMinor() {
            return 45;
        }

        @Override
        public int negotiatedMinor() {
            return 45;
        }

        @Override
        public boolean offered(Capability capability) {
            return !notOffered.contains(capability);
        }

        @Override
        public Set<Capability> offeredCapabilities() {
            Set<Capability> offered = EnumSet.allOf(Capability.class);
            offered.removeAll(notOffered);
            return offered;
        }

        @Override
        public boolean accepted(Capability capability) {
            return accepted.contains(capability);
        }

        @Override
        public InitConfig want(Capability capability) {
            if (offered(capability)) {
                accepted.add(capability);
            }
            return this;
        }

        @Override
        public InitConfig decline(Capability capability) {
            accepted.remove(capability);
            return this;
        }

        @Override
        public int maxWrite() {
            return 1 << 20;
        }

        @Override
        public InitConfig maxWrite(int bytes) {
            return this;
        }

        @Override
        public int maxReadahead() {
            return 1 << 20;
        }

        @Override
        public InitConfig maxReadahead(int bytes) {
            return this;
        }

        @Override
        public int timeGranularity() {
            return granularity;
        }

        @Override
        public InitConfig timeGranularity(int nanoseconds) {
            granularity = nanoseconds;
            return this;
        }

        @Override
        public int maxBackground() {
            return 16;
        }

        @Override
        public InitConfig maxBackground(int requests) {
            return this;
        }

        @Override
        public Notifier notifier() {
            return Notifier.UNSUPPORTED;
        }

        @Override
        public Optional<DaxWindow> daxWindow() {
            return Optional.empty();
        }
    }

    @Test
    void initAsksForWhatMemfsImplementsAndDeclinesTheRest() {
        OfferingEverything init = new OfferingEverything();
        init.accepted.add(Capability.WRITEBACK_CACHE);
        init.accepted.add(Capability.ASYNC_READ);
        new MemFs().init(init);
        assertEquals(EnumSet.of(Capability.ASYNC_READ, Capability.POSIX_LOCKS, Capability.FLOCK_LOCKS,
                Capability.DO_READDIRPLUS, Capability.READDIRPLUS_AUTO, Capability.ATOMIC_O_TRUNC, Capability.DONT_MASK,
                Capability.EXPORT_SUPPORT, Capability.HANDLE_KILLPRIV_V2, Capability.CACHE_SYMLINKS,
                Capability.SECURITY_CTX, Capability.CREATE_SUPP_GROUP, Capability.DIRECT_IO_ALLOW_MMAP), init.accepted);
        assertEquals(1, init.granularity);
    }

    @Test
    void withoutCachedNamesReaddirplusIsDeclined() {
        OfferingEverything init = new OfferingEverything();
        new MemFs(MemFsConfig.builder().entryTimeout(Duration.ZERO).attrTimeout(Duration.ofSeconds(1)).build()).init(init);
        assertEquals(EnumSet.of(Capability.POSIX_LOCKS, Capability.FLOCK_LOCKS, Capability.ATOMIC_O_TRUNC,
                Capability.DONT_MASK, Capability.EXPORT_SUPPORT, Capability.HANDLE_KILLPRIV_V2, Capability.CACHE_SYMLINKS,
                Capability.SECURITY_CTX, Capability.CREATE_SUPP_GROUP, Capability.DIRECT_IO_ALLOW_MMAP), init.accepted);
        OfferingEverything cached = new OfferingEverything();
        new MemFs(MemFsConfig.builder().entryTimeout(Duration.ofMillis(1)).attrTimeout(Duration.ZERO).build()).init(cached);
        assertTrue(cached.accepted.containsAll(EnumSet.of(Capability.DO_READDIRPLUS, Capability.READDIRPLUS_AUTO)),
                cached.accepted.toString());
    }

    @Test
    void directOpensBypassThePageCacheWhenTheDriverMapsThemShared() {
        MemFs old = new MemFs(MemFsConfig.builder().clock(clock).build());
        OfferingEverything before66 = new OfferingEverything();
        before66.notOffered.add(Capability.DIRECT_IO_ALLOW_MMAP);
        old.init(before66);
        Client oldDriver = new Client(old, TestContext.root());
        long before = oldDriver.writeFile(FileSystem.ROOT_ID, "f", utf8("x"));
        assertEquals(0, old.open(oldDriver.ctx(), before, OpenFlags.of(OpenFlags.O_RDONLY | OpenFlags.O_DIRECT)).flags(),
                "without DIRECT_IO_ALLOW_MMAP");
        MemFs memfs = new MemFs(MemFsConfig.builder().clock(clock).build());
        memfs.init(new OfferingEverything());
        Client client = new Client(memfs, TestContext.root());
        long file = client.writeFile(FileSystem.ROOT_ID, "f", utf8("x"));
        int direct = OpenReply.DIRECT_IO | OpenReply.PARALLEL_DIRECT_WRITES;
        OpenReply plain = client.fs().open(client.ctx(), file, OpenFlags.of(OpenFlags.O_RDWR));
        OpenReply uncached = client.fs().open(client.ctx(), file, OpenFlags.of(OpenFlags.O_RDONLY | OpenFlags.O_DIRECT));
        assertEquals(0, plain.flags());
        assertEquals(direct, uncached.flags());
        CreateReply created = client.fs().create(client.ctx(), FileSystem.ROOT_ID, FileName.of("g"), 0644,
                OpenFlags.of(OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_DIRECT));
        assertEquals(direct, created.open().flags());
        CreateReply existing = client.fs().create(client.ctx(), FileSystem.ROOT_ID, FileName.of("g"), 0644,
                OpenFlags.of(OpenFlags.O_RDWR | OpenFlags.O_CREAT));
        assertEquals(0, existing.open().flags());
    }

    @Test
    void configurationIsValidated() {
        assertThrows(IllegalArgumentException.class, () -> MemFsConfig.builder().blockSize(1000).build());
        assertThrows(IllegalArgumentException.class, () -> MemFsConfig.builder().blockSize(256).build());
        assertThrows(IllegalArgumentException.class, () -> MemFsConfig.builder().capacityBytes(-1).build());
        assertThrows(IllegalArgumentException.class, () -> MemFsConfig.builder().maxInodes(0).build());
        assertThrows(IllegalArgumentException.class, () -> MemFsConfig.builder().rootMode(010755).build());
        assertThrows(IllegalArgumentException.class, () -> MemFsConfig.builder().attrTimeout(Duration.ofSeconds(-1)).build());
        MemFsConfig config = MemFsConfig.builder().rootOwner(5, 6).rootMode(01777).build();
        assertEquals(config, config.toBuilder().build());
        Client client = new Client(new MemFs(config), TestContext.root());
        assertEquals(5, client.attr(FileSystem.ROOT_ID).uid());
        assertEquals(6, client.attr(FileSystem.ROOT_ID).gid());
        assertEquals(Client.S_IFDIR | 01777, client.attr(FileSystem.ROOT_ID).mode());
    }

    @Test
    void getattrAnswersTheSameReplyUntilTheNodeChanges() {
        Client client = client(MemFsConfig.builder().attrTimeout(Duration.ofMillis(1500)).entryTimeout(Duration.ofSeconds(3)));
        long file = client.writeFile(FileSystem.ROOT_ID, "f", utf8("x"));
        AttrReply first = client.fs().getattr(client.ctx(), file);
        assertSame(first, client.fs().getattr(client.ctx(), file), "no new reply without a change");
        assertEquals(Duration.ofMillis(1500), first.validity());
        Entry entry = client.lookup(FileSystem.ROOT_ID, "f");
        assertEquals(Duration.ofSeconds(3), entry.entryValidity());
        assertEquals(Duration.ofMillis(1500), entry.attrValidity());
        assertSame(entry, client.lookup(FileSystem.ROOT_ID, "f"), "the entry is cached per version too");
        client.setattr(file, SetattrBuilder.setattr().mode(0600).build());
        AttrReply changed = client.fs().getattr(client.ctx(), file);
        assertNotSame(first, changed);
        assertEquals(Client.S_IFREG | 0600, changed.attr().mode());
    }

    @Test
    void negativeEntriesAreAnsweredWhenConfigured() {
        Client client = client(MemFsConfig.builder().negativeTimeout(Duration.ofSeconds(2)));
        Entry negative = client.lookup(FileSystem.ROOT_ID, "absent");
        assertTrue(negative.isNegative());
        assertEquals(Duration.ofSeconds(2), negative.entryValidity());
        assertErrno(Errno.ENOENT, () -> client(MemFsConfig.builder()).lookup(FileSystem.ROOT_ID, "absent"));
    }

    @Test
    void atimePoliciesDecideWhenReadsTouchTheAccessTime() {
        for (AtimePolicy policy : AtimePolicy.values()) {
            Client client = client(MemFsConfig.builder().atimePolicy(policy));
            Instant created = clock.tick();
            long file = client.writeFile(FileSystem.ROOT_ID, "f-" + policy, utf8("data"));
            Instant firstRead = clock.tick();
            client.content(file);
            Instant secondRead = clock.tick();
            client.content(file);
            Instant atime = ContractSupport.atime(client.attr(file));
            Instant expected = switch (policy) {
                case STRICT -> secondRead;
                case RELATIME -> firstRead;
                case NEVER -> created;
            };
            assertEquals(expected, atime, policy.name());
            if (policy == AtimePolicy.RELATIME) {
                Instant dayLater = clock.advance(Duration.ofDays(1));
                client.content(file);
                assertEquals(dayLater, ContractSupport.atime(client.attr(file)), "relatime updates a day-old atime");
            }
        }
    }

    @Test
    void noAtimeIsForTheOwnerAndLeavesTheAccessTime() {
        Client client = client(MemFsConfig.builder().atimePolicy(AtimePolicy.STRICT));
        long file = client.writeFile(FileSystem.ROOT_ID, "f", utf8("data"));
        Instant before = ContractSupport.atime(client.attr(file));
        clock.tick();
        long fh = client.open(file, OpenFlags.O_RDONLY | OpenFlags.O_NOATIME);
        client.read(file, fh, 0, 4);
        client.release(file, fh);
        assertEquals(before, ContractSupport.atime(client.attr(file)));
        client.setattr(file, SetattrBuilder.setattr().mode(0644).build());
        assertErrno(Errno.EPERM, () -> client.as(TestContext.user(1000, 100)).open(file, OpenFlags.O_RDONLY | OpenFlags.O_NOATIME));
    }

    @Test
    void withoutPermissionChecksEveryCallerIsTrusted() {
        Client root = client(MemFsConfig.builder().checkPermissions(false));
        long dir = root.mkdir(FileSystem.ROOT_ID, "private", 0700);
        Client user = root.as(TestContext.user(1000, 100));
        long file = user.writeFile(dir, "f", utf8("x"));
        root.setattr(file, SetattrBuilder.setattr().uid(0).mode(0600).build());
        user.setattr(file, SetattrBuilder.setattr().mode(0666).build());
        assertEquals(Client.S_IFREG | 0666, root.attr(file).mode());
        user.fs().access(user.ctx(), file, AccessMask.of(AccessMask.X_OK));
    }

    /**
     * A request the driver checked (default_permissions, every virtio-fs guest) is trusted: the
     * driver knew the caller's supplementary groups, which the request does not carry.
     */
    @Test
    void requestsTheDriverCheckedAreTrustedWithGroupsTheyDoNotCarry() {
        Client root = client(MemFsConfig.builder());
        long file = root.writeFile(FileSystem.ROOT_ID, "f", utf8("x"));
        root.setattr(file, SetattrBuilder.setattr().uid(1000).gid(100).mode(0644).build());
        Client unchecked = root.as(TestContext.user(1000, 100));
        assertErrno(Errno.EPERM, () -> unchecked.setattr(file, SetattrBuilder.setattr().gid(5050).build()));
        Client checked = root.as(TestContext.user(1000, 100).checkedByDriver());
        checked.setattr(file, SetattrBuilder.setattr().gid(5050).build());
        checked.setattr(file, SetattrBuilder.setattr().mode(02755).build());
        assertEquals(5050, root.attr(file).gid());
        assertEquals(Client.S_IFREG | 02755, root.attr(file).mode(), "set-group-ID kept: the driver checked membership");
        unchecked.setattr(file, SetattrBuilder.setattr().mode(02755).build());
        assertEquals(Client.S_IFREG | 0755, root.attr(file).mode(), "unchecked, not a member of 5050 as far as memfs knows");
    }

    @Test
    void destroyClosesHandlesAndDropsLocks() {
        Client client = client(MemFsConfig.builder());
        Handle file = client.create(FileSystem.ROOT_ID, "f", 0644);
        client.write(file, 0, new byte[10_000]);
        client.fs().setlk(client.ctx(), new LockRequest(file.nodeid(), file.fh(), 1,
                new FileLock(0, Long.MAX_VALUE, FileLock.F_WRLCK, 1), 0, false));
        client.unlink(FileSystem.ROOT_ID, "f");
        client.forget(file.nodeid(), 1);
        long free = client.statfs().ffree();
        client.fs().destroy();
        assertEquals(free + 1, client.statfs().ffree(), "the unlinked file was open only by the ended session");
        assertEquals(client.statfs().blocks(), client.statfs().bfree());
        long kept = client.writeFile(FileSystem.ROOT_ID, "g", utf8("g"));
        long fh = client.open(kept, OpenFlags.O_RDWR);
        client.fs().setlk(client.ctx(), new LockRequest(kept, fh, 1, new FileLock(0, 9, FileLock.F_WRLCK, 1), 0, false));
        client.fs().destroy();
        long fh2 = client.open(kept, OpenFlags.O_RDWR);
        client.fs().setlk(client.ctx(), new LockRequest(kept, fh2, 2, new FileLock(0, 9, FileLock.F_WRLCK, 2), 0, false));
        assertErrno(Errno.EBADF, () -> client.read(kept, fh, 0, 1));
    }

    @Test
    void lookupsCountUntilForgotten() {
        Client client = client(MemFsConfig.builder());
        long file = client.writeFile(FileSystem.ROOT_ID, "f", utf8("x"));
        client.lookup(FileSystem.ROOT_ID, "f");
        client.lookup(FileSystem.ROOT_ID, "f");
        client.unlink(FileSystem.ROOT_ID, "f");
        long free = client.statfs().ffree();
        client.forget(file, 2);
        assertEquals(free, client.statfs().ffree(), "one lookup is left");
        assertEquals(0, client.attr(file).nlink());
        client.forget(file, 1);
        assertEquals(free + 1, client.statfs().ffree());
        assertErrno(Errno.ENOENT, () -> client.attr(file));
    }
}
