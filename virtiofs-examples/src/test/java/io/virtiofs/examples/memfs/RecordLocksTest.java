package io.virtiofs.examples.memfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.FileLock;
import io.virtiofs.testkit.support.Seeds;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * {@link RecordLocks} against a byte-by-byte model: for every owner and every byte of a small
 * file (plus one position standing for "everything past it"), which lock type covers it.
 */
class RecordLocksTest {

    private static final long END = Long.MAX_VALUE;
    /** Bytes 0..63 are modelled one by one; position 64 stands for 64..END. */
    private static final int BYTES = 64;
    private static final int OWNERS = 3;

    @Test
    void unlockingTheMiddleSplitsALock() {
        RecordLocks locks = new RecordLocks();
        locks.apply(1, 10, FileLock.F_WRLCK, 0, END);
        locks.apply(1, 10, FileLock.F_UNLCK, 100, 199);
        assertEquals(List.of(new RecordLocks.RecordLock(1, 10, FileLock.F_WRLCK, 0, 99),
                new RecordLocks.RecordLock(1, 10, FileLock.F_WRLCK, 200, END)), locks.snapshot());
        locks.apply(1, 10, FileLock.F_WRLCK, 100, 199);
        assertEquals(List.of(new RecordLocks.RecordLock(1, 10, FileLock.F_WRLCK, 0, END)), locks.snapshot());
    }

    @Test
    void conflictsNeedAnotherOwnerAndAWriteLock() {
        RecordLocks locks = new RecordLocks();
        locks.apply(1, 10, FileLock.F_RDLCK, 10, 19);
        locks.apply(2, 20, FileLock.F_WRLCK, 30, 39);
        assertNull(locks.firstConflict(3, FileLock.F_RDLCK, 0, 29));
        assertEquals(new RecordLocks.RecordLock(1, 10, FileLock.F_RDLCK, 10, 19),
                locks.firstConflict(3, FileLock.F_WRLCK, 0, END));
        assertEquals(new RecordLocks.RecordLock(2, 20, FileLock.F_WRLCK, 30, 39),
                locks.firstConflict(1, FileLock.F_RDLCK, 0, END));
        assertNull(locks.firstConflict(2, FileLock.F_WRLCK, 30, 39));
        assertTrue(locks.removeOwner(2));
        assertNull(locks.firstConflict(1, FileLock.F_WRLCK, 0, END));
    }

    @TestFactory
    Stream<DynamicTest> randomOperationsMatchTheByteModel() {
        LongStream seeds = Seeds.of(LongStream.rangeClosed(1, 8).toArray());
        return seeds.mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> run(seed, 1500)));
    }

    private static void run(long seed, int steps) {
        SplittableRandom random = new SplittableRandom(seed);
        RecordLocks locks = new RecordLocks();
        int[][] model = new int[OWNERS + 1][BYTES + 1];
        for (int[] owner : model) {
            java.util.Arrays.fill(owner, FileLock.F_UNLCK);
        }
        for (int step = 0; step < steps; step++) {
            int owner = 1 + random.nextInt(OWNERS);
            int type = random.nextInt(3);
            int start = random.nextInt(BYTES);
            boolean toEnd = random.nextInt(5) == 0;
            int end = toEnd ? BYTES : start + random.nextInt(BYTES - start);
            String context = "seed " + seed + " (replay with -Dvirtiofs.seed=" + seed + ") step " + step + ": owner "
                    + owner + " type " + type + " " + start + ".." + (toEnd ? "END" : end);
            boolean modelConflict = type != FileLock.F_UNLCK && conflicts(model, owner, type, start, end);
            RecordLocks.RecordLock conflict = type == FileLock.F_UNLCK ? null
                    : locks.firstConflict(owner, type, start, toEnd ? END : end);
            assertEquals(modelConflict, conflict != null, context + ": conflict " + conflict);
            if (conflict != null) {
                assertFirstConflict(locks, owner, type, start, toEnd ? END : end, conflict, context);
                continue;
            }
            locks.apply(owner, owner * 10, type, start, toEnd ? END : end);
            for (int b = start; b <= end; b++) {
                model[owner][b] = type;
            }
            check(locks, model, context);
        }
    }

    private static boolean conflicts(int[][] model, int owner, int type, int start, int end) {
        for (int other = 1; other <= OWNERS; other++) {
            if (other == owner) {
                continue;
            }
            for (int b = start; b <= end; b++) {
                int held = model[other][b];
                if (held != FileLock.F_UNLCK && (type == FileLock.F_WRLCK || held == FileLock.F_WRLCK)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The reported conflict is real, and no conflicting lock starts before it. */
    private static void assertFirstConflict(RecordLocks locks, int owner, int type, long start, long end,
                                            RecordLocks.RecordLock conflict, String context) {
        assertTrue(conflict.owner() != owner && conflict.overlaps(start, end)
                && (type == FileLock.F_WRLCK || conflict.type() == FileLock.F_WRLCK), context);
        for (RecordLocks.RecordLock lock : locks.snapshot()) {
            boolean conflicting = lock.owner() != owner && lock.overlaps(start, end)
                    && (type == FileLock.F_WRLCK || lock.type() == FileLock.F_WRLCK);
            assertTrue(!conflicting || lock.start() >= conflict.start(), context + ": " + lock + " comes first");
        }
    }

    /** Coverage equals the model; an owner's locks neither overlap nor touch with the same type. */
    private static void check(RecordLocks locks, int[][] model, String context) {
        List<RecordLocks.RecordLock> all = locks.snapshot();
        for (int owner = 1; owner <= OWNERS; owner++) {
            int[] covered = new int[BYTES + 1];
            java.util.Arrays.fill(covered, FileLock.F_UNLCK);
            RecordLocks.RecordLock previous = null;
            for (RecordLocks.RecordLock lock : all) {
                if (lock.owner() != owner) {
                    continue;
                }
                assertEquals(owner * 10, lock.pid(), context);
                if (previous != null) {
                    assertTrue(previous.end() < lock.start(), context + ": overlap " + previous + " " + lock);
                    assertTrue(previous.end() + 1 < lock.start() || previous.type() != lock.type(),
                            context + ": unmerged " + previous + " " + lock);
                }
                previous = lock;
                assertTrue(lock.end() == END || lock.end() < BYTES, context + ": " + lock);
                for (long b = lock.start(); b <= Math.min(lock.end(), BYTES); b++) {
                    covered[(int) b] = lock.type();
                }
            }
            assertEquals(java.util.Arrays.toString(model[owner]), java.util.Arrays.toString(covered),
                    context + ": owner " + owner);
        }
    }
}
