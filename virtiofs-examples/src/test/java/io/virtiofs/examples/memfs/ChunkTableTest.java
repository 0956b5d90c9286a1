package io.virtiofs.examples.memfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertIterableEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.Unpooled;
import io.virtiofs.testkit.support.Seeds;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class ChunkTableTest {

    private static final Chunk A = marker(1);
    private static final Chunk B = marker(2);

    /** A chunk with no memory, told apart by identity (the table never looks inside). */
    private static Chunk marker(int number) {
        return new Chunk(null, ByteBuffer.allocate(0), Unpooled.EMPTY_BUFFER, 0, 0, number);
    }

    @Test
    void anEmptyTableHasNothing() {
        ChunkTable table = new ChunkTable();
        assertNull(table.get(0));
        assertNull(table.get(Long.MAX_VALUE));
        assertNull(table.remove(5));
        assertEquals(-1, table.ceilingIndex(0));
        assertEquals(7, table.nextAbsentIndex(7));
        assertEquals(0, table.count(0, Long.MAX_VALUE));
        assertEquals(0, table.removeRange(0, Long.MAX_VALUE, chunk -> fail("nothing to remove: " + chunk)));
        assertEquals(0, table.size());
        assertEquals(0, table.height());
    }

    @Test
    void theTreeGrowsWithTheLargestIndexAndEmptiesCompletely() {
        ChunkTable table = new ChunkTable();
        assertNull(table.put(63, A));
        assertEquals(1, table.height());
        assertNull(table.put(64, B));
        assertEquals(2, table.height());
        assertNull(table.put(Long.MAX_VALUE, A));
        assertEquals(11, table.height());
        assertEquals(11, ChunkTable.heightFor(Long.MAX_VALUE));
        assertEquals(3, ChunkTable.heightFor((1L << 18) - 1)); // 512 MiB of 4 KiB chunks
        assertSame(A, table.get(63));
        assertSame(B, table.get(64));
        assertSame(A, table.get(Long.MAX_VALUE));
        assertNull(table.get(65));
        assertEquals(3, table.size());
        assertEquals(64, table.ceilingIndex(64));
        assertEquals(Long.MAX_VALUE, table.ceilingIndex(65));
        assertEquals(65, table.nextAbsentIndex(63));
        assertSame(B, table.put(64, A));
        assertEquals(3, table.size());
        List<Chunk> removed = new ArrayList<>();
        assertEquals(2, table.removeRange(0, Long.MAX_VALUE, removed::add));
        assertEquals(List.of(A, A), removed);
        assertEquals(1, table.size());
        assertSame(A, table.remove(Long.MAX_VALUE));
        assertEquals(0, table.size());
        assertEquals(0, table.height());
        assertNull(table.get(63));
    }

    @Test
    void negativeIndexesAreRefusedForWrites() {
        ChunkTable table = new ChunkTable();
        assertThrows(IllegalArgumentException.class, () -> table.put(-1, A));
        assertThrows(IllegalArgumentException.class, () -> table.nextAbsentIndex(-1));
        assertNull(table.remove(-1));
        assertNull(table.get(-1));
    }

    /** Random puts, removes and range removals, each followed by every query, against a TreeMap. */
    @TestFactory
    Stream<DynamicTest> randomOperationsMatchATreeMap() {
        LongStream seeds = Seeds.of(LongStream.rangeClosed(1, 12).toArray());
        return seeds.mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> run(seed, 600)));
    }

    private static void run(long seed, int steps) {
        SplittableRandom random = new SplittableRandom(seed);
        ChunkTable table = new ChunkTable();
        TreeMap<Long, Chunk> model = new TreeMap<>();
        // Indexes cluster in a window so that ranges hit and miss, with now and then a far one.
        long window = 1L << (6 + random.nextInt(12));
        for (int step = 0; step < steps; step++) {
            String context = "seed " + seed + " (replay with -Dvirtiofs.seed=" + seed + ") step " + step;
            long index = anIndex(random, window);
            int action = random.nextInt(10);
            if (action < 5) {
                Chunk chunk = random.nextBoolean() ? A : marker(step);
                assertSame(model.put(index, chunk), table.put(index, chunk), context + " put " + index);
            } else if (action < 8) {
                assertSame(model.remove(index), table.remove(index), context + " remove " + index);
            } else {
                long to = random.nextInt(4) == 0 ? Long.MAX_VALUE : index + random.nextLong(window);
                Map<Long, Chunk> range = model.subMap(index, true, to, false);
                List<Chunk> expected = new ArrayList<>(range.values()).reversed(); // highest first
                range.clear();
                List<Chunk> removed = new ArrayList<>();
                assertEquals(expected.size(), table.removeRange(index, to, removed::add),
                        context + " removeRange " + index + ".." + to);
                assertIterableEquals(expected, removed, context + " removed chunks " + index + ".." + to);
            }
            check(table, model, random, window, context);
        }
    }

    private static long anIndex(SplittableRandom random, long window) {
        return random.nextInt(50) == 0 ? random.nextLong(Long.MAX_VALUE) : random.nextLong(window);
    }

    private static void check(ChunkTable table, TreeMap<Long, Chunk> model, SplittableRandom random, long window,
                              String context) {
        assertEquals(model.size(), table.size(), context + " size");
        for (Map.Entry<Long, Chunk> entry : model.entrySet()) {
            assertSame(entry.getValue(), table.get(entry.getKey()), context + " get " + entry.getKey());
        }
        for (int probe = 0; probe < 8; probe++) {
            long from = anIndex(random, window);
            assertSame(model.get(from), table.get(from), context + " get " + from);
            Long ceiling = model.ceilingKey(from);
            assertEquals(ceiling == null ? -1 : ceiling, table.ceilingIndex(from), context + " ceiling " + from);
            long absent = from;
            while (model.containsKey(absent)) {
                absent++;
            }
            assertEquals(absent, table.nextAbsentIndex(from), context + " next absent " + from);
            long to = from + random.nextLong(window);
            assertEquals(model.subMap(from, true, to, false).size(), table.count(from, to),
                    context + " count " + from + ".." + to);
        }
        if (model.isEmpty()) {
            assertEquals(0, table.height(), context + " an empty table keeps no nodes");
        }
    }
}
