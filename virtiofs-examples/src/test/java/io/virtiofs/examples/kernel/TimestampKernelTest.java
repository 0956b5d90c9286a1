package io.virtiofs.examples.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Timestamps to the nanosecond, changed as POSIX says: which of atime, mtime and ctime each call
 * moves (and of the parent directory), utimensat with UTIME_NOW and UTIME_OMIT, times before 1970
 * and after 2038, and a birth time that never moves.
 *
 * <p>memfs reads the same clock as this JVM, so "now" is checked as a range around the call.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TimestampKernelTest {

    private static final Instant OLD_ATIME = Instant.ofEpochSecond(1_000_000_000L, 111_111_111);
    private static final Instant OLD_MTIME = Instant.ofEpochSecond(1_000_000_100L, 222_222_222);

    private MemFsMount mount;
    private Path dir;

    @BeforeEach
    void mount() throws Exception {
        mount = MemFsMount.mount();
        dir = Files.createDirectory(mount.path("dir"));
    }

    @AfterEach
    void unmount() {
        mount.close();
    }

    /** The times of a node around a call: the call's window and the state before and after. */
    private record Change(Instant from, Instant to, Statx before, Statx after) {

        void movedToNow(String what, Instant value) {
            assertTrue(!value.isBefore(from) && !value.isAfter(to), what + " " + value + " is not in [" + from + ", "
                    + to + "]");
        }

        void kept(String what, Instant old, Instant value) {
            assertEquals(old, value, what + " must not change");
        }
    }

    /** Runs {@code call} and answers how the times of {@code path} changed. */
    private static Change change(Path path, Call call) throws Exception {
        Statx before = Statx.of(path);
        Instant from = Instant.now();
        call.run();
        Instant to = Instant.now();
        return new Change(from, to, before, Statx.of(path));
    }

    @FunctionalInterface
    private interface Call {
        void run() throws Exception;
    }

    private Path oldFile(String name, String content) throws Exception {
        Path file = Files.writeString(dir.resolve(name), content);
        PathCalls.utimens(file, OLD_ATIME, OLD_MTIME);
        return file;
    }

    @Test
    void creationSetsEveryTimeToNowAndTouchesTheParent() throws Exception {
        Instant from = Instant.now();
        Path file = Files.createFile(dir.resolve("new"));
        Instant to = Instant.now();
        Statx stat = Statx.of(file);
        Change window = new Change(from, to, stat, stat);
        window.movedToNow("btime", stat.btime());
        assertEquals(List.of(stat.btime(), stat.btime(), stat.btime()), List.of(stat.atime(), stat.mtime(), stat.ctime()));
        Statx parent = Statx.of(dir);
        window.movedToNow("parent mtime", parent.mtime());
        window.movedToNow("parent ctime", parent.ctime());
        assertTrue(parent.btime().isBefore(from), "the parent was born before");
    }

    @Test
    void writeMovesMtimeAndCtimeButNotAtime() throws Exception {
        Path file = oldFile("f", "start");
        Change write = change(file, () -> Files.writeString(file, " more", StandardOpenOption.APPEND));
        write.kept("atime", OLD_ATIME, write.after().atime());
        write.movedToNow("mtime", write.after().mtime());
        write.movedToNow("ctime", write.after().ctime());
        write.kept("btime", write.before().btime(), write.after().btime());
    }

    @Test
    void readMovesAtimeOnlyWhenRelatimeSays() throws Exception {
        Path file = oldFile("f", "read me");
        Change first = change(file, () -> Files.readAllBytes(file));
        first.movedToNow("atime after the first read (atime was older than mtime)", first.after().atime());
        first.kept("mtime", OLD_MTIME, first.after().mtime());
        first.kept("ctime", first.before().ctime(), first.after().ctime());
        Change second = change(file, () -> Files.readAllBytes(file));
        second.kept("atime after a second read (newer than mtime, less than a day old)", first.after().atime(),
                second.after().atime());
    }

    @Test
    void metadataChangesMoveCtimeOnly() throws Exception {
        Path file = oldFile("f", "meta");
        for (Call call : List.<Call>of(() -> PathCalls.chmod(file, 0600), () -> PathCalls.chown(file, 4001, 5001),
                () -> XattrCalls.set(file, "user.x", new byte[] {1}, 0), () -> PathCalls.link(file, dir.resolve("g")))) {
            Change change = change(file, call);
            change.movedToNow("ctime", change.after().ctime());
            change.kept("mtime", OLD_MTIME, change.after().mtime());
            change.kept("atime", OLD_ATIME, change.after().atime());
        }
        Path g = dir.resolve("g");
        Change unlink = change(g, () -> Files.delete(file));
        unlink.movedToNow("ctime of the other name after unlink", unlink.after().ctime());
        unlink.kept("mtime", OLD_MTIME, unlink.after().mtime());
    }

    @Test
    void namespaceChangesMoveTheParentsMtimeAndCtime() throws Exception {
        Path other = Files.createDirectory(mount.path("other"));
        Path file = oldFile("f", "moving");
        List<Call> calls = List.of(() -> Files.createDirectory(dir.resolve("sub")), () -> Files.delete(dir.resolve("sub")),
                () -> Files.createSymbolicLink(dir.resolve("link"), Path.of("f")), () -> Files.delete(dir.resolve("link")),
                () -> PathCalls.mknod(dir.resolve("fifo"), Statx.S_IFIFO | 0600, 0, 0));
        for (Call call : calls) {
            Change change = change(dir, call);
            change.movedToNow("parent mtime", change.after().mtime());
            change.movedToNow("parent ctime", change.after().ctime());
        }
        Statx otherBefore = Statx.of(other);
        Change rename = change(dir, () -> PathCalls.rename(file, other.resolve("f"), 0));
        rename.movedToNow("old parent mtime", rename.after().mtime());
        Statx otherAfter = Statx.of(other);
        rename.movedToNow("new parent mtime", otherAfter.mtime());
        rename.movedToNow("new parent ctime", otherAfter.ctime());
        assertTrue(otherAfter.mtime().isAfter(otherBefore.mtime()));
        Statx moved = Statx.of(other.resolve("f"));
        rename.movedToNow("ctime of the renamed file", moved.ctime());
        rename.kept("mtime of the renamed file", OLD_MTIME, moved.mtime());
    }

    @Test
    void truncateMovesMtimeAndCtimeEvenToTheSameSize() throws Exception {
        Path file = oldFile("f", "12345");
        Change same = change(file, () -> PathCalls.truncate(file, 5));
        same.movedToNow("mtime", same.after().mtime());
        same.movedToNow("ctime", same.after().ctime());
        PathCalls.utimens(file, OLD_ATIME, OLD_MTIME);
        Change openTrunc = change(file, () -> Files.newOutputStream(file).close()); // O_TRUNC
        openTrunc.movedToNow("mtime after O_TRUNC", openTrunc.after().mtime());
        openTrunc.movedToNow("ctime after O_TRUNC", openTrunc.after().ctime());
        assertEquals(0, openTrunc.after().size());
        openTrunc.kept("atime", OLD_ATIME, openTrunc.after().atime());
    }

    @Test
    void utimensatSetsNanosecondsAndHonoursNowAndOmit() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "times");
        Instant atime = Instant.ofEpochSecond(1_234_567_890L, 123_456_789);
        Instant mtime = Instant.ofEpochSecond(1_234_567_891L, 987_654_321);
        Change exact = change(file, () -> PathCalls.utimens(file, atime, mtime));
        assertEquals(List.of(atime, mtime), List.of(exact.after().atime(), exact.after().mtime()));
        exact.movedToNow("ctime", exact.after().ctime());

        Instant newMtime = Instant.ofEpochSecond(1_500_000_000L, 1);
        Change omitAtime = change(file, () -> PathCalls.utimens(file, 0, PathCalls.UTIME_OMIT, newMtime.getEpochSecond(),
                newMtime.getNano(), 0));
        assertEquals(List.of(atime, newMtime), List.of(omitAtime.after().atime(), omitAtime.after().mtime()),
                "UTIME_OMIT keeps atime; mtime alone is set");
        omitAtime.movedToNow("ctime", omitAtime.after().ctime());

        Change nowAtime = change(file, () -> PathCalls.utimens(file, 0, PathCalls.UTIME_NOW, 0, PathCalls.UTIME_OMIT, 0));
        nowAtime.movedToNow("atime (UTIME_NOW)", nowAtime.after().atime());
        assertEquals(newMtime, nowAtime.after().mtime(), "UTIME_OMIT keeps mtime");
        nowAtime.movedToNow("ctime", nowAtime.after().ctime());

        Change nowMtime = change(file, () -> PathCalls.utimens(file, 0, PathCalls.UTIME_OMIT, 0, PathCalls.UTIME_NOW, 0));
        nowMtime.kept("atime", nowAtime.after().atime(), nowMtime.after().atime());
        nowMtime.movedToNow("mtime (UTIME_NOW)", nowMtime.after().mtime());

        Change both = change(file, () -> PathCalls.touch(file));
        both.movedToNow("atime", both.after().atime());
        both.movedToNow("mtime", both.after().mtime());
    }

    @Test
    void timesBefore1970AndAfter2038RoundTrip() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "far");
        Instant early = Instant.ofEpochSecond(-1_000_000_000L, 999_999_999);
        Instant late = Instant.ofEpochSecond(4_102_444_800L + 17, 5); // 2100
        PathCalls.utimens(file, early, late);
        Statx stat = Statx.of(file);
        assertEquals(List.of(early, late), List.of(stat.atime(), stat.mtime()));
        assertEquals(late, Files.getLastModifiedTime(file).toInstant());
    }

    @Test
    void birthTimeIsReportedAndNeverMoves() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "born");
        Statx born = Statx.of(file);
        assertTrue(born.hasBtime(), "statx reports STATX_BTIME");
        Files.writeString(file, "rewritten".repeat(1000));
        PathCalls.chmod(file, 0700);
        PathCalls.utimens(file, OLD_ATIME, OLD_MTIME);
        PathCalls.rename(file, mount.path("moved"), 0);
        Statx later = Statx.of(mount.path("moved"));
        assertEquals(born.btime(), later.btime());
        assertTrue(later.ctime().isAfter(born.btime()));
        assertTrue(!born.ctime().isBefore(born.btime()), "the first write came after the birth");
        assertEquals("rewritten".repeat(1000), Files.readString(mount.path("moved"), StandardCharsets.UTF_8));
    }
}
