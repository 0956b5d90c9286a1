package io.virtiofs.examples.memfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class IdTableTest {

    @Test
    void idsAreSequentialAndNeverReused() {
        IdTable<String> table = new IdTable<>(1);
        assertEquals(1, table.add(id -> "a" + id));
        assertEquals(2, table.add(id -> "b" + id));
        assertEquals("a1", table.get(1));
        assertEquals("b2", table.get(2));
        assertNull(table.get(0));
        assertNull(table.get(3));
        assertNull(table.get(-1));
        assertNull(table.get(Long.MAX_VALUE));
        String first = table.get(1);
        assertFalse(table.remove(1, new String(first)), "removes only the very object expected");
        assertTrue(table.remove(1, first));
        assertFalse(table.remove(1, first));
        assertNull(table.get(1));
        assertEquals(3, table.add(id -> "c" + id));
    }

    @Test
    void thousandsOfIdsAcrossPagesAreFoundAndRemoved() {
        IdTable<Long> table = new IdTable<>(1);
        int count = 5000;
        List<Long> values = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long id = table.add(Long::valueOf);
            values.add(table.get(id));
        }
        for (long id = 1; id <= count; id++) {
            assertEquals(id, table.get(id));
        }
        for (long id = 1; id <= 3000; id++) {
            assertTrue(table.remove(id, values.get((int) id - 1)));
        }
        Set<Long> seen = new HashSet<>();
        table.forEach(seen::add);
        Set<Long> expected = new HashSet<>();
        for (long id = 3001; id <= count; id++) {
            expected.add(id);
        }
        assertEquals(expected, seen);
        for (long id = 1; id <= 3000; id++) {
            assertNull(table.get(id));
        }
        assertEquals(count + 1, table.add(Long::valueOf));
    }

    @Test
    void readersSeeEveryAddedObjectWhileTheTableGrows() throws Exception {
        IdTable<Object> table = new IdTable<>(1);
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch started = new CountDownLatch(1);
        long[] published = new long[1];
        Object[] objects = new Object[20_001];
        java.util.concurrent.atomic.AtomicLong lastChecked = new java.util.concurrent.atomic.AtomicLong();
        CompletableFuture<Long> reader = CompletableFuture.supplyAsync(() -> {
            long checks = 0;
            started.countDown();
            while (!stop.get()) {
                long last;
                synchronized (published) {
                    last = published[0];
                }
                if (last > 0) {
                    if (table.get(last) != objects[(int) last]) {
                        throw new AssertionError("id " + last + " not visible");
                    }
                    checks++;
                    lastChecked.set(last);
                }
            }
            return checks;
        });
        assertTrue(started.await(10, TimeUnit.SECONDS));
        for (int i = 1; i <= 20_000; i++) {
            Object value = new Object();
            long id = table.add(ignored -> value);
            objects[(int) id] = value;
            synchronized (published) {
                published[0] = id;
            }
        }
        // The reader may not have run at all yet on a busy machine: let it check the last id.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (lastChecked.get() != 20_000 && System.nanoTime() < deadline && !reader.isDone()) {
            Thread.onSpinWait();
        }
        stop.set(true);
        assertTrue(reader.get(10, TimeUnit.SECONDS) > 0);
        assertEquals(20_000, lastChecked.get(), "the reader checked the last id added");
        assertSame(objects[20_000], table.get(20_000));
    }
}
