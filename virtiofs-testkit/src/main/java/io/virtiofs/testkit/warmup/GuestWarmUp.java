package io.virtiofs.testkit.warmup;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FileLock;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.SecurityLabel;
import io.virtiofs.api.SetattrRequest;
import io.virtiofs.api.SymlinkTarget;
import io.virtiofs.api.Whence;
import io.virtiofs.protocol.InHeader;
import io.virtiofs.protocol.InitFlag;
import io.virtiofs.protocol.InitFlags;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.AccessIn;
import io.virtiofs.protocol.message.BatchForgetIn;
import io.virtiofs.protocol.message.CopyFileRangeIn;
import io.virtiofs.protocol.message.CreateIn;
import io.virtiofs.protocol.message.CreateOut;
import io.virtiofs.protocol.message.Dirent;
import io.virtiofs.protocol.message.DirentplusOut;
import io.virtiofs.protocol.message.EmptyIn;
import io.virtiofs.protocol.message.EntryOut;
import io.virtiofs.protocol.message.FallocateIn;
import io.virtiofs.protocol.message.FlushIn;
import io.virtiofs.protocol.message.ForgetIn;
import io.virtiofs.protocol.message.ForgetOne;
import io.virtiofs.protocol.message.FsyncIn;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.FuseRequest;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.message.GetxattrIn;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.message.LinkIn;
import io.virtiofs.protocol.message.ListxattrIn;
import io.virtiofs.protocol.message.LkIn;
import io.virtiofs.protocol.message.LseekIn;
import io.virtiofs.protocol.message.MkdirIn;
import io.virtiofs.protocol.message.MknodIn;
import io.virtiofs.protocol.message.NameIn;
import io.virtiofs.protocol.message.OpenIn;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.protocol.message.ReleaseIn;
import io.virtiofs.protocol.message.RemovexattrIn;
import io.virtiofs.protocol.message.Rename2In;
import io.virtiofs.protocol.message.RenameIn;
import io.virtiofs.protocol.message.RequestExtensions;
import io.virtiofs.protocol.message.SetattrIn;
import io.virtiofs.protocol.message.SetxattrIn;
import io.virtiofs.protocol.message.StatxIn;
import io.virtiofs.protocol.message.SymlinkIn;
import io.virtiofs.protocol.message.SyncfsIn;
import io.virtiofs.protocol.message.TmpfileIn;
import io.virtiofs.protocol.message.WriteIn;
import io.virtiofs.protocol.message.WriteOut;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.testkit.mock.MockDriver;
import io.virtiofs.testkit.wire.Replies;
import io.virtiofs.testkit.wire.Requests;
import io.virtiofs.transport.device.VirtioFsDevice;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A throwaway virtio-fs session in this process, to warm the JIT before a real guest comes: a file
 * system behind a {@link FuseServer} behind a {@link VirtioFsDevice}, driven through real split
 * virtqueues by the testkit's in-process driver ({@link MockDriver}), in both byte orders, with
 * every reply checked. It needs no VM, no root and no /dev/fuse.
 *
 * <p>A guest's first requests otherwise meet the interpreter, or code the JIT compiled for other
 * shapes of request and throws away when the guest's first large writes take branches no earlier
 * request took. The session sends what a Linux guest sends, shaped as it shapes it; see
 * {@link #run}. An embedder calls {@link #startInBackground} when it starts serving (the
 * {@code virtiofs serve} command does), or {@link #run} in a JVM ahead-of-time cache's training
 * run (the build's {@code virtiofs selftest} is one).
 *
 * <p>The file system must be a writable POSIX one such as memfs: the session creates, fallocates,
 * writes, reads, lists, renames and removes files and directories, and expects an absent
 * {@code security.capability} to answer {@code ENODATA}. Each session gets a fresh one.
 */
public final class GuestWarmUp {

    private static final System.Logger LOG = System.getLogger(GuestWarmUp.class.getName());
    private static final int PAGE = 4096;
    /** A guest's largest READ and WRITE (256 pages). */
    private static final int LARGE = 1 << 20;
    /** Large requests in flight, as fio's iodepth in the harness's perf workload. */
    private static final int IN_FLIGHT = 8;
    private static final int FILE_BYTES = IN_FLIGHT * LARGE;
    /** Small requests in flight, as its 4 KiB random jobs. */
    private static final int SMALL_IN_FLIGHT = 16;
    /** The extension of the warm-up's creates: one security label, as an LSM gives. */
    private static final RequestExtensions LABELLED = new RequestExtensions(
            List.of(new SecurityLabel("security.selinux",
                    "system_u:object_r:unlabeled_t:s0\0".getBytes(StandardCharsets.US_ASCII))), new int[0]);

    /**
     * Files in the directory each session lists (several READDIR pages): enough that READDIRPLUS
     * holds more lookups at once than the lookup table's stripes take before they first grow, as a
     * guest's metadata loops do (the growth trapped in compiled code when a guest's did it first).
     */
    private static final int LISTED = 1000;

    private GuestWarmUp() {
    }

    /**
     * Runs sessions in both byte orders for about {@code budget}, each on a fresh file system from
     * {@code fileSystems}, checking every reply; returns the number of requests sent.
     *
     * @throws TimeoutException when the device does not answer a request within 10 s
     * @throws IllegalStateException when a reply is not what the file system should have answered
     */
    public static long run(Supplier<? extends FileSystem> fileSystems, Duration budget) throws TimeoutException {
        long requests = 0;
        for (WireOrder order : WireOrder.values()) {
            requests += session(fileSystems.get(), order, budget.dividedBy(2));
        }
        return requests;
    }

    /**
     * What {@link #runUntilSettled} did: requests sent, sessions run, how long, whether the JIT's
     * compiler threads had gone idle, whether a real session had begun (neither: the maximum ended
     * it), and the compilers' CPU time meanwhile.
     */
    public record Result(long requests, int sessions, Duration elapsed, boolean compilerIdle, boolean guestArrived,
                         Duration compilerCpu) {

        /** One line for a log: what ran, and what ended it. */
        public String describe() {
            return String.format("warm-up: %d requests in %d sessions, %.1f s; the JIT compilers used %.1f s of CPU%s",
                    requests, sessions, elapsed.toMillis() / 1000.0, compilerCpu.toMillis() / 1000.0,
                    compilerIdle ? " and were idle at the end"
                            : guestArrived ? "; ended by the guest's FUSE_INIT" : "; ended at its maximum");
        }
    }

    /** One session's length: long enough for the JIT to see every request shape several times. */
    private static final Duration SESSION = Duration.ofMillis(500);
    /** The compiler threads count as idle during a session while they use less than this share of it. */
    private static final int IDLE_PERCENT = 5;
    /**
     * Requests that must pass while the compilers are idle before the warm-up may end. Code at C1's
     * second tier asks the compilation policy about its next tier once every 2,048 invocations, and
     * the policy raises its thresholds while the C2 queue is long: only requests sent after the
     * queue has drained move such code on, and an idle session of fewer requests proves nothing.
     */
    private static final long IDLE_REQUESTS = 10_000;

    /**
     * Sessions in alternating byte orders, each on a fresh file system, for at least {@code minimum},
     * then on until {@value #IDLE_REQUESTS} requests have passed with the JIT's compiler threads idle
     * (the request path is compiled at its last tier) or, past the minimum, {@code guestArrived}
     * says a real session has begun (its requests drive the JIT from then on, and a warm-up beside
     * them would only take CPU from the guest); never longer than {@code maximum}. A fixed two
     * seconds was not enough on a loaded machine: the compilers, short of CPU, had left the request
     * path at C1's second tier (counters only), where it stayed until a guest's 4 KiB reads had sent
     * tens of thousands of requests through it, seconds into the guest's benchmark.
     *
     * @throws TimeoutException when the device does not answer a request within 10 s
     * @throws IllegalStateException when a reply is not what the file system should have answered
     */
    public static Result runUntilSettled(Supplier<? extends FileSystem> fileSystems, Duration minimum,
                                         Duration maximum, BooleanSupplier guestArrived) throws TimeoutException {
        long start = System.nanoTime();
        long requests = 0;
        long idleRequests = 0;
        int sessions = 0;
        OptionalLong first = CompilerActivity.cpuNanos();
        long before = first.orElse(0);
        while (true) {
            long sessionStart = System.nanoTime();
            long sent = session(fileSystems.get(), WireOrder.values()[sessions % 2], SESSION);
            requests += sent;
            sessions++;
            long now = System.nanoTime();
            OptionalLong compiler = CompilerActivity.cpuNanos();
            if (compiler.isPresent() && first.isPresent()) {
                boolean idle = (compiler.getAsLong() - before) * 100 < (now - sessionStart) * IDLE_PERCENT;
                idleRequests = idle ? idleRequests + sent : 0;
                before = compiler.getAsLong();
            } else {
                idleRequests = Long.MAX_VALUE; // nothing to watch: the minimum decides
            }
            long elapsed = now - start;
            boolean settled = idleRequests >= IDLE_REQUESTS;
            boolean arrived = guestArrived.getAsBoolean();
            if ((elapsed >= minimum.toNanos() && (settled || arrived)) || elapsed >= maximum.toNanos()) {
                return new Result(requests, sessions, Duration.ofNanos(elapsed), settled, arrived,
                        Duration.ofNanos(compiler.orElse(0) - first.orElse(0)));
            }
        }
    }

    /**
     * Runs {@link #runUntilSettled} (at most ten times {@code minimum}) on a daemon thread named
     * {@code virtiofs-warm-up} and returns at once; what it did is logged at INFO, a failure at
     * WARNING. Nothing waits for it: a real session may start while it runs, and should be what
     * {@code guestArrived} watches. A zero minimum starts nothing.
     *
     * @return the thread, or empty for a zero minimum
     */
    public static Optional<Thread> startInBackground(Supplier<? extends FileSystem> fileSystems, Duration minimum,
                                                     BooleanSupplier guestArrived) {
        if (minimum.isZero() || minimum.isNegative()) {
            return Optional.empty();
        }
        return Optional.of(Thread.ofPlatform().name("virtiofs-warm-up").daemon(true).start(() -> {
            try {
                Result done = runUntilSettled(fileSystems, minimum, minimum.multipliedBy(10), guestArrived);
                LOG.log(Level.INFO, done::describe);
            } catch (TimeoutException | RuntimeException e) {
                LOG.log(Level.WARNING, "the warm-up session failed (serving goes on)", e);
            }
        }));
    }

    /**
     * One session in one byte order; returns the number of requests sent. The requests have the
     * shapes a Linux guest gives them, so that the code compiled here is the code a guest's
     * requests need (code compiled for other shapes is thrown away when a guest's first request
     * takes a branch the training never took): each body in page-sized descriptors behind one
     * indirect descriptor, 1 MiB writes and reads of a fallocated file with {@value #IN_FLIGHT} in
     * flight, 4 KiB reads and writes with {@value #SMALL_IN_FLIGHT} in flight, then the metadata
     * requests of creating, listing, renaming and removing files, with the failures a guest meets
     * (a lookup before a create, an absent security.capability), a security label on each create
     * and the FORGETs on the hiprio queue. Kicks and calls go through eventfds and vhost-user's
     * wrappers of them, as a VMM's do: with the in-process ones, a guest's first requests met a
     * kick and a call of classes the JIT had not seen, and it recompiled the queue worker and the
     * server's dispatch at their lowest tiers, which the guest's first writes then ran on.
     */
    private static long session(FileSystem fs, WireOrder order, Duration budget) throws TimeoutException {
        // Its start and end are not a driver's: they are logged at DEBUG, not INFO.
        FuseServer server = new FuseServer(fs,
                FuseServerConfig.builder().sessionLogLevel(System.Logger.Level.DEBUG).build());
        MockDriver.Options options = MockDriver.Options.defaults().withSlots(SMALL_IN_FLIGHT).withIndirect(true)
                .withScatter(true).withSegments(PAGE)
                .withBuffers(InHeader.SIZE + WriteIn.SIZE + LARGE, OutHeader.SIZE + LARGE);
        try (VirtioFsDevice device = VirtioFsDevice.builder("warm-up").requestQueues(1).build(server);
             MockDriver driver = MockDriver.connect(device, options, MockDriver.Signals.EVENTFDS)) {
            // A vhost-user front-end's rings start disabled and are enabled as its guest's driver
            // starts: the queue worker's loop meets a disabled queue first (without this, its
            // compiled loop trapped there when a guest connected).
            for (int queue = 0; queue < device.queueCount(); queue++) {
                device.setQueueEnabled(queue, false);
            }
            LockSupport.parkNanos(1_000_000);
            for (int queue = 0; queue < device.queueCount(); queue++) {
                device.setQueueEnabled(queue, true);
            }
            Exchanges s = new Exchanges(driver, WireFormat.current(order));
            s.ok(s.send(Opcode.INIT, 0, new InitIn(7, 45, 1 << 20, InitFlags.flags(EnumSet.allOf(InitFlag.class)))));
            long listed = populateListing(s);
            SplittableRandom random = new SplittableRandom(order.ordinal());
            byte[] data = new byte[LARGE];
            long deadline = System.nanoTime() + budget.toNanos();
            int round = 0;
            do {
                random.nextBytes(data);
                FileName name = FileName.of("file" + round);
                // A guest looks a name up before it creates it, and asks a file it writes for
                // security.capability: requests that fail are as common as any, and the code
                // that answers them is compiled here too (when no training request failed, a
                // guest's first ENOENT sent the server's whole request path back to the interpreter).
                s.fails(s.send(Opcode.LOOKUP, 1, new NameIn(name)), Errno.ENOENT);
                // With FUSE_SECURITY_CTX a guest's creates carry a security context extension.
                CreateOut created = Replies.createOut(s.ok(s.send(s.message(Opcode.CREATE, 1,
                        new CreateIn(02, 0100644, 022, 0, name)).withExtensions(LABELLED))), s.format);
                long node = created.entry().nodeid();
                long fh = created.open().fh();
                s.ok(s.send(Opcode.FALLOCATE, node, new FallocateIn(fh, 0, FILE_BYTES, 0)));
                s.fails(s.send(Opcode.GETXATTR, node, new GetxattrIn(0, "security.capability")), Errno.ENODATA);
                largeWritesAndReads(s, node, fh, data);
                smallReadsAndWrites(s, node, fh, data, random);
                for (int i = 0; i < 64; i++) {
                    s.ok(s.send(Opcode.GETATTR, node, new GetattrIn(0, 0)));
                    EntryOut entry = Replies.entryOut(s.ok(s.send(Opcode.LOOKUP, 1, new NameIn(name))), s.format);
                    check(entry.nodeid() == node && entry.attr().size() == FILE_BYTES, "LOOKUP answered " + entry);
                }
                s.forget(Opcode.BATCH_FORGET, 0, new BatchForgetIn(List.of(new ForgetOne(node, 64)))); // the lookups above
                lessFrequentRequests(s, node, fh, round);
                s.ok(s.send(Opcode.RELEASE, node, new ReleaseIn(fh, 02, 0, 0)));
                long reopened = Replies.openOut(s.ok(s.send(Opcode.OPEN, node, new OpenIn(0, 0))), s.format).fh();
                s.ok(s.send(Opcode.FLUSH, node, new FlushIn(reopened, 0)));
                s.ok(s.send(Opcode.RELEASE, node, new ReleaseIn(reopened, 0, 0, 0)));
                // Linux 6.x lists in pages of 4 KiB; newer kernels ask for more at once.
                listAll(s, listed, round % 2 == 0 ? PAGE : 32 * PAGE);
                // One-byte names too: hashing one takes a branch of its own; and two-byte ones,
                // which FileName checks for "..".
                for (String shortName : List.of(String.valueOf((char) ('a' + round % 26)), "d" + round % 10)) {
                    FileName subdir = FileName.of(shortName);
                    s.ok(s.send(Opcode.MKDIR, 1, new MkdirIn(0755, 022, subdir)));
                    s.ok(s.send(Opcode.RMDIR, 1, new NameIn(subdir)));
                }
                s.ok(s.send(Opcode.STATFS, 1, new EmptyIn()));
                long dir = Replies.openOut(s.ok(s.send(Opcode.OPENDIR, 1, new OpenIn(0, 0))), s.format).fh();
                DirentplusOut listing = Replies.direntplusOut(s.ok(s.send(Opcode.READDIRPLUS, 1,
                        new ReadIn(dir, 0, PAGE, 0, 0, 0))), s.format);
                check(listing.entries().stream().anyMatch(e -> e.dirent().name().equals(name)),
                        "READDIRPLUS did not list " + name);
                s.ok(s.send(Opcode.RELEASEDIR, 1, new ReleaseIn(dir, 0, 0, 0)));
                FileName moved = FileName.of("moved" + round);
                s.ok(s.send(Opcode.RENAME, 1, new RenameIn(1, name, moved)));
                s.ok(s.send(Opcode.UNLINK, 1, new NameIn(moved)));
                s.forget(Opcode.FORGET, node, new ForgetIn(1)); // CREATE's lookup
                round++;
            } while (System.nanoTime() < deadline);
            s.ok(s.send(Opcode.DESTROY, 0, new EmptyIn()));
            check(server.statistics().fileSystemFailures() == 0, "the file system failed unexpectedly");
            check(server.statistics().forgetAnomalies() == 0, "FORGETs disagreed with the lookups counted");
            return s.sent;
        }
    }

    /**
     * The requests a guest sends less often than reads, writes and lookups, once each round, in the
     * shapes a guest gives them: GETATTR with a file handle, SETATTR (a truncation, a chmod, times
     * given and "now"), FSYNC and FSYNCDIR, SYNCFS, FLUSH with a lock owner, ACCESS, STATX, SYMLINK,
     * READLINK, LINK, RENAME2 (no-replace and exchange), the four xattr requests, LSEEK, both
     * COPY_FILE_RANGE opcodes, TMPFILE, GETLK, SETLK, SETLKW and flock, an O_DIRECT OPEN. A switch
     * case or a branch the JIT never saw taken is compiled as a trap: without these, the server's
     * dispatch was compiled with only the warm-up's opcodes, and the first one a guest sent besides
     * them (fio's FSYNC, a truncation) sent the whole request path back to the interpreter, at the
     * start of the guest's 4 KiB random reads.
     */
    private static void lessFrequentRequests(Exchanges s, long node, long fh, int round) throws TimeoutException {
        final int direct = 040000; // O_DIRECT on x86-64
        final long owner = 7;
        s.ok(s.send(Opcode.GETATTR, node, new GetattrIn(GetattrIn.GETATTR_FH, fh)));
        s.ok(s.send(Opcode.SETATTR, node, new SetattrIn(new SetattrRequest(SetattrRequest.FATTR_SIZE
                | SetattrRequest.FATTR_FH, fh, FILE_BYTES, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))));
        s.ok(s.send(Opcode.SETATTR, node, new SetattrIn(new SetattrRequest(SetattrRequest.FATTR_MODE, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0100640 | (round & 1) << 2, 0, 0))));
        s.ok(s.send(Opcode.SETATTR, node, new SetattrIn(new SetattrRequest(SetattrRequest.FATTR_ATIME
                | SetattrRequest.FATTR_MTIME, 0, 0, 0, 1_000_000_000L + round, 5, 1_000_000_000L + round, 7, 0, 0, 0, 0, 0))));
        s.ok(s.send(Opcode.SETATTR, node, new SetattrIn(new SetattrRequest(SetattrRequest.FATTR_ATIME
                | SetattrRequest.FATTR_MTIME | SetattrRequest.FATTR_ATIME_NOW | SetattrRequest.FATTR_MTIME_NOW,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))));
        s.ok(s.send(Opcode.FSYNC, node, new FsyncIn(fh, round & 1)));
        s.ok(s.send(Opcode.FLUSH, node, new FlushIn(fh, owner)));
        s.ok(s.send(Opcode.ACCESS, node, new AccessIn(round % 2 == 0 ? 0 : 4)));
        s.ok(s.send(Opcode.STATX, node, new StatxIn(round % 2 == 0 ? 0 : GetattrIn.GETATTR_FH, fh, 0, 0xfff)));
        s.ok(s.send(Opcode.LSEEK, node, new LseekIn(fh, 0, (round % 2 == 0 ? Whence.DATA : Whence.HOLE).value())));
        s.ok(s.send(Opcode.COPY_FILE_RANGE, node, new CopyFileRangeIn(fh, 0, node, fh, PAGE, PAGE, 0)));
        s.ok(s.send(Opcode.COPY_FILE_RANGE_64, node, new CopyFileRangeIn(fh, PAGE, node, fh, 2 * PAGE, PAGE, 0)));
        // xattrs
        byte[] value = ("value" + round).getBytes(StandardCharsets.US_ASCII);
        s.ok(s.send(Opcode.SETXATTR, node, new SetxattrIn(value.length, 0, 0, "user.warm", value)));
        s.ok(s.send(Opcode.GETXATTR, node, new GetxattrIn(64, "user.warm")));
        s.ok(s.send(Opcode.LISTXATTR, node, new ListxattrIn(0)));
        s.ok(s.send(Opcode.LISTXATTR, node, new ListxattrIn(256)));
        s.ok(s.send(Opcode.REMOVEXATTR, node, new RemovexattrIn("user.warm")));
        // locks: POSIX (test, set, set-and-wait uncontended, unlock) and flock
        FileLock whole = new FileLock(0, Long.MAX_VALUE, FileLock.F_WRLCK, 100);
        FileLock unlock = new FileLock(0, Long.MAX_VALUE, FileLock.F_UNLCK, 100);
        s.ok(s.send(Opcode.GETLK, node, new LkIn(fh, owner, whole, 0)));
        s.ok(s.send(Opcode.SETLK, node, new LkIn(fh, owner, whole, 0)));
        s.ok(s.send(Opcode.SETLKW, node, new LkIn(fh, owner, whole, 0)));
        s.ok(s.send(Opcode.SETLK, node, new LkIn(fh, owner, unlock, 0)));
        s.ok(s.send(Opcode.SETLK, node, new LkIn(fh, owner, whole, LkIn.FLOCK)));
        s.ok(s.send(Opcode.SETLK, node, new LkIn(fh, owner, unlock, LkIn.FLOCK)));
        // names: a symlink, a hard link, renames with flags
        FileName sym = FileName.of("sym" + round);
        FileName hard = FileName.of("hard" + round);
        FileName moved = FileName.of("hard-moved" + round);
        long link = Replies.entryOut(s.ok(s.send(Opcode.SYMLINK, 1, new SymlinkIn(sym, SymlinkTarget.of("target")))),
                s.format).nodeid();
        s.ok(s.send(Opcode.READLINK, link, new EmptyIn()));
        s.ok(s.send(Opcode.LINK, 1, new LinkIn(node, hard)));
        s.ok(s.send(Opcode.RENAME2, 1, new Rename2In(1, 1 /* RENAME_NOREPLACE */, hard, moved)));
        s.ok(s.send(Opcode.RENAME2, 1, new Rename2In(1, 2 /* RENAME_EXCHANGE */, moved, sym)));
        s.ok(s.send(Opcode.UNLINK, 1, new NameIn(sym)));
        s.ok(s.send(Opcode.UNLINK, 1, new NameIn(moved)));
        // a nameless file, an O_DIRECT open, the directory's and the file system's syncs
        CreateOut tmp = Replies.createOut(s.ok(s.send(Opcode.TMPFILE, 1, new TmpfileIn(02, 0100600, 022, 0))), s.format);
        s.ok(s.send(Opcode.RELEASE, tmp.entry().nodeid(), new ReleaseIn(tmp.open().fh(), 02, 0, 0)));
        long reopened = Replies.openOut(s.ok(s.send(Opcode.OPEN, node, new OpenIn(direct, 0))), s.format).fh();
        s.ok(s.send(Opcode.RELEASE, node, new ReleaseIn(reopened, direct, 1 /* FUSE_RELEASE_FLUSH */, owner)));
        long dir = Replies.openOut(s.ok(s.send(Opcode.OPENDIR, 1, new OpenIn(0, 0))), s.format).fh();
        s.ok(s.send(Opcode.FSYNCDIR, 1, new FsyncIn(dir, 0)));
        s.ok(s.send(Opcode.RELEASEDIR, 1, new ReleaseIn(dir, 0, 0, 0)));
        s.ok(s.send(Opcode.SYNCFS, 1, new SyncfsIn()));
        // what SYMLINK, LINK and TMPFILE counted
        s.forget(Opcode.BATCH_FORGET, 0, new BatchForgetIn(List.of(new ForgetOne(link, 1), new ForgetOne(node, 1),
                new ForgetOne(tmp.entry().nodeid(), 1))));
    }

    /** Writes {@code data} at every MiB of the file, then reads it all back, {@value #IN_FLIGHT} at a time. */
    private static void largeWritesAndReads(Exchanges s, long node, long fh, byte[] data) throws TimeoutException {
        ByteBuf expected = Unpooled.wrappedBuffer(data);
        for (int first = 0; first < FILE_BYTES / LARGE; first += IN_FLIGHT) {
            int count = Math.min(IN_FLIGHT, FILE_BYTES / LARGE - first);
            for (int i = 0; i < count; i++) {
                long offset = (long) (first + i) * LARGE;
                s.post(Opcode.WRITE, node, new WriteIn(fh, offset, LARGE, 0, 0, 0, expected.duplicate()),
                        OutHeader.SIZE + WriteOut.SIZE);
            }
            s.publish();
            for (int i = 0; i < count; i++) {
                WriteOut written = Replies.writeOut(s.ok(s.reply(s.await())), s.format);
                check(written.size() == LARGE, "WRITE answered " + written.size());
            }
        }
        for (int first = 0; first < FILE_BYTES / LARGE; first += IN_FLIGHT) {
            int count = Math.min(IN_FLIGHT, FILE_BYTES / LARGE - first);
            for (int i = 0; i < count; i++) {
                s.post(Opcode.READ, node, new ReadIn(fh, (long) (first + i) * LARGE, LARGE, 0, 0, 0),
                        OutHeader.SIZE + LARGE);
            }
            s.publish();
            for (int i = 0; i < count; i++) {
                check(ByteBufUtil.equals(s.ok(s.reply(s.await())), expected), "a 1 MiB READ differs from what was written");
            }
        }
    }

    /**
     * Reads pages at random offsets and checks them, then writes each page back with the bytes it
     * holds, {@value #SMALL_IN_FLIGHT} at a time.
     */
    private static void smallReadsAndWrites(Exchanges s, long node, long fh, byte[] data, SplittableRandom random)
            throws TimeoutException {
        long[] offsetOf = new long[SMALL_IN_FLIGHT];
        for (int i = 0; i < SMALL_IN_FLIGHT; i++) {
            long offset = (long) random.nextInt(FILE_BYTES / PAGE) * PAGE;
            offsetOf[s.post(Opcode.READ, node, new ReadIn(fh, offset, PAGE, 0, 0, 0), OutHeader.SIZE + PAGE)] = offset;
        }
        s.publish();
        for (int i = 0; i < SMALL_IN_FLIGHT; i++) {
            long completion = s.await();
            int at = (int) (offsetOf[MockDriver.completionToken(completion)] % LARGE);
            check(ByteBufUtil.equals(s.ok(s.reply(completion)), Unpooled.wrappedBuffer(data, at, PAGE)),
                    "a 4 KiB READ differs from what was written");
        }
        for (long offset : offsetOf) {
            ByteBuf page = Unpooled.wrappedBuffer(data, (int) (offset % LARGE), PAGE);
            s.post(Opcode.WRITE, node, new WriteIn(fh, offset, PAGE, 0, 0, 0, page), OutHeader.SIZE + WriteOut.SIZE);
        }
        s.publish();
        for (int i = 0; i < SMALL_IN_FLIGHT; i++) {
            WriteOut written = Replies.writeOut(s.ok(s.reply(s.await())), s.format);
            check(written.size() == PAGE, "WRITE answered " + written.size());
        }
    }

    /** Makes a directory of {@value #LISTED} files for the listings; returns its node id. */
    private static long populateListing(Exchanges s) throws TimeoutException {
        FileName name = FileName.of("listing");
        long dir = Replies.entryOut(s.ok(s.send(Opcode.MKDIR, 1, new MkdirIn(0755, 022, name))), s.format).nodeid();
        for (int i = 0; i < LISTED; i++) {
            s.ok(s.send(Opcode.MKNOD, dir, new MknodIn(0100644, 0, 022, FileName.of("entry" + i))));
        }
        return dir;
    }

    /**
     * Lists {@code dir} to its end with READDIR, then to its end with READDIRPLUS (as a guest's
     * first listing of a directory goes), in pages of {@code pageBytes}, forgetting the lookups
     * READDIRPLUS gave as a guest does when it drops the entries.
     */
    private static void listAll(Exchanges s, long dir, int pageBytes) throws TimeoutException {
        long fh = Replies.openOut(s.ok(s.send(Opcode.OPENDIR, dir, new OpenIn(0, 0))), s.format).fh();
        int seen = 0;
        long offset = 0;
        while (true) {
            List<Dirent> page = Replies.direntsOut(s.ok(s.send(Opcode.READDIR, dir,
                    new ReadIn(fh, offset, pageBytes, 0, 0, 0), pageBytes)), s.format).dirents();
            if (page.isEmpty()) {
                break;
            }
            seen += page.size();
            offset = page.getLast().off();
        }
        check(seen == LISTED + 2, "READDIR listed " + seen + " entries, not " + (LISTED + 2));
        seen = 0;
        offset = 0;
        List<ForgetOne> forgets = new ArrayList<>();
        while (true) {
            DirentplusOut plus = Replies.direntplusOut(s.ok(s.send(Opcode.READDIRPLUS, dir,
                    new ReadIn(fh, offset, pageBytes, 0, 0, 0), pageBytes)), s.format);
            if (plus.entries().isEmpty()) {
                break;
            }
            seen += plus.entries().size();
            offset = plus.entries().getLast().dirent().off();
            for (var entry : plus.entries()) {
                if (entry.entry().nodeid() != 0 && !entry.dirent().name().isDotOrDotDot()) {
                    forgets.add(new ForgetOne(entry.entry().nodeid(), 1));
                }
            }
        }
        check(seen == LISTED + 2, "READDIRPLUS listed " + seen + " entries, not " + (LISTED + 2));
        s.ok(s.send(Opcode.RELEASEDIR, dir, new ReleaseIn(fh, 0, 0, 0)));
        for (int from = 0; from < forgets.size(); from += 256) {
            s.forget(Opcode.BATCH_FORGET, 0, new BatchForgetIn(forgets.subList(from, Math.min(forgets.size(), from + 256))));
        }
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException(what);
        }
    }

    /** Sends requests on request queue 1 and checks reply headers. */
    private static final class Exchanges {
        final MockDriver driver;
        final WireFormat format;
        private long unique = 2;
        long sent;
        private final ByteBuf scratch = Unpooled.buffer(InHeader.SIZE + WriteIn.SIZE + LARGE);

        Exchanges(MockDriver driver, WireFormat format) {
            this.driver = driver;
            this.format = format;
        }

        /** Sends one request, waits for its reply and returns it; room for a page of reply. */
        ByteBuf send(Opcode opcode, long nodeid, FuseRequest body) throws TimeoutException {
            return send(message(opcode, nodeid, body));
        }

        /** A request with the next unique, for {@link #send(FuseMessage)}. */
        FuseMessage message(Opcode opcode, long nodeid, FuseRequest body) {
            return FuseMessage.of(opcode, unique += 2, nodeid, body);
        }

        ByteBuf send(FuseMessage message) throws TimeoutException {
            return driver.exchange(1, encode(message), OutHeader.SIZE + PAGE);
        }

        /** Sends one request with room for {@code replyBytes} of reply. */
        ByteBuf send(Opcode opcode, long nodeid, FuseRequest body, int replyBytes) throws TimeoutException {
            return driver.exchange(1, encode(opcode, nodeid, body), OutHeader.SIZE + replyBytes);
        }

        /** Adds a request to the ring without publishing it; returns its token. */
        int post(Opcode opcode, long nodeid, FuseRequest body, int replyCapacity) {
            return driver.post(1, encode(opcode, nodeid, body), replyCapacity);
        }

        void publish() {
            driver.publish(1);
        }

        /** Waits for the next completion, in any order ({@link MockDriver#await}). */
        long await() throws TimeoutException {
            return driver.await(1);
        }

        /** The reply of a completion, valid until its slot is posted again. */
        ByteBuf reply(long completion) {
            return driver.reply(1, MockDriver.completionToken(completion), MockDriver.completionLength(completion));
        }

        /**
         * The request in the reused scratch buffer, which the driver copies into guest memory, so
         * that the warm-up's writes do not each leave a 1 MiB buffer of garbage.
         */
        private ByteBuf encode(Opcode opcode, long nodeid, FuseRequest body) {
            return encode(message(opcode, nodeid, body));
        }

        private ByteBuf encode(FuseMessage message) {
            sent++;
            scratch.clear();
            Requests.encode(message, scratch, format);
            return scratch;
        }

        /**
         * Sends a FORGET or BATCH_FORGET on the hiprio queue, as a driver does, and waits until
         * the device has taken it (it answers nothing).
         */
        void forget(Opcode opcode, long nodeid, FuseRequest body) throws TimeoutException {
            driver.submit(0, encode(opcode, nodeid, body), 0);
            long completion = driver.await(0);
            check(MockDriver.completionLength(completion) == 0, opcode + " was answered");
        }

        /** Checks that {@code reply} is the error {@code expected}. */
        void fails(ByteBuf reply, Errno expected) {
            OutHeader header = OutHeader.decode(reply, format.order());
            check(header.error() == -expected.code(), "request " + header.unique() + " answered error "
                    + header.error() + ", not " + expected);
        }

        ByteBuf ok(ByteBuf reply) {
            OutHeader header = OutHeader.decode(reply, format.order());
            check(header.error() == 0, "request " + header.unique() + " failed with error " + header.error());
            check(header.len() == reply.readableBytes() + OutHeader.SIZE, "reply length " + header.len()
                    + " disagrees with the " + (reply.readableBytes() + OutHeader.SIZE) + " bytes used");
            return reply;
        }
    }
}
