package io.virtiofs.testkit.protocol.message;

import java.util.SplittableRandom;

/**
 * Seeds for property-style tests: fresh ones each run, or the single seed given with
 * {@code -Dvirtiofs.seed=0x...} to replay a failure. A failure names its seed.
 */
final class Seeds {

    /** The system property that replays one seed. */
    static final String PROPERTY = "virtiofs.seed";

    private Seeds() {
    }

    /** One check of a property, given a random source made from a seed. */
    @FunctionalInterface
    interface Check {
        void run(SplittableRandom random) throws Exception;
    }

    /** Runs {@code check} once per seed: {@code count} fresh seeds, or the replayed one. */
    static void forEach(int count, Check check) {
        for (long seed : seeds(count)) {
            try {
                check.run(new SplittableRandom(seed));
            } catch (Throwable failure) {
                throw new AssertionError("failed with " + describe(seed) + ": " + failure, failure);
            }
        }
    }

    static long[] seeds(int count) {
        String replay = System.getProperty(PROPERTY);
        if (replay != null && !replay.isBlank()) {
            return new long[] {parse(replay.trim())};
        }
        SplittableRandom fresh = new SplittableRandom();
        long[] seeds = new long[count];
        for (int i = 0; i < count; i++) {
            seeds[i] = fresh.nextLong();
        }
        return seeds;
    }

    static String describe(long seed) {
        return "seed 0x" + Long.toHexString(seed) + " (replay with -D" + PROPERTY + "=0x" + Long.toHexString(seed) + ")";
    }

    private static long parse(String text) {
        return text.startsWith("0x") || text.startsWith("0X") ? Long.parseUnsignedLong(text.substring(2), 16)
                : Long.parseLong(text);
    }
}
