package io.virtiofs.protocol.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The lookup table against a HashMap model, over seeded random operations. */
class LookupCountsTest {

    /** -Dvirtiofs.seed as every module reads it: decimal, or hex after 0x (64 bits). */
    private static final long SEED = seed(System.getProperty("virtiofs.seed", ""));

    private static long seed(String text) {
        String t = text.trim();
        return t.isEmpty() ? System.nanoTime() : t.startsWith("0x") || t.startsWith("0X")
                ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
    }

    @Test
    void matchesAMapModel() {
        SplittableRandom random = new SplittableRandom(SEED);
        LookupCounts counts = new LookupCounts();
        Map<Long, Long> model = new HashMap<>();
        for (int i = 0; i < 200_000; i++) {
            long node = 1 + random.nextInt(random.nextBoolean() ? 50 : 5000);
            if (random.nextInt(3) > 0) {
                counts.increment(node);
                model.merge(node, 1L, Long::sum);
            } else {
                long n = random.nextInt(1, 4);
                long held = model.getOrDefault(node, 0L);
                long expected = Math.min(held, n);
                assertEquals(expected, counts.release(node, n), "seed " + SEED + " step " + i);
                if (held - expected == 0) {
                    model.remove(node);
                } else {
                    model.put(node, held - expected);
                }
            }
            if (i % 10_000 == 0) {
                for (Map.Entry<Long, Long> e : model.entrySet()) {
                    assertEquals(e.getValue(), counts.count(e.getKey()), "seed " + SEED + " step " + i);
                }
                assertEquals(model.size(), counts.nodes(), "seed " + SEED + " step " + i);
            }
        }
        Map<Long, Long> drained = new HashMap<>();
        counts.drain((node, count) -> {
            drained.put(node, count);
            return 0;
        });
        assertEquals(model, drained, "seed " + SEED);
        assertEquals(0, counts.nodes());
    }
}
