package io.virtiofs.testkit.support;

import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

/**
 * The seeds of property-style tests: one system property, {@code -Dvirtiofs.seed=N}, replays a
 * seed in every test of every module, given in decimal or, after {@code 0x}, in hex (all 64
 * bits); without it each test uses its own seeds. A failure names its seed ({@link #replayHint}).
 */
public final class Seeds {

    /** The system property: {@value}. */
    public static final String PROPERTY = "virtiofs.seed";

    private Seeds() {
    }

    /**
     * {@code text} as a seed: decimal (signed), or hex after {@code 0x} (unsigned, all 64 bits). A
     * leading zero is decimal, not octal.
     *
     * @throws NumberFormatException if it is neither
     */
    public static long parse(String text) {
        String t = text.trim();
        return t.startsWith("0x") || t.startsWith("0X") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
    }

    /** The seed {@code -Dvirtiofs.seed} gives, if any. */
    public static OptionalLong replay() {
        String text = System.getProperty(PROPERTY);
        return text == null || text.isBlank() ? OptionalLong.empty() : OptionalLong.of(parse(text));
    }

    /** The seed to replay, or {@code fallback}. */
    public static long orElse(long fallback) {
        return replay().orElse(fallback);
    }

    /** The seed to replay, or a fresh one. */
    public static long orFresh() {
        return replay().orElseGet(() -> new SplittableRandom().nextLong());
    }

    /** {@code count} seeds derived from a fixed base, or only the one to replay. */
    public static LongStream of(int count) {
        OptionalLong replay = replay();
        return replay.isPresent() ? LongStream.of(replay.getAsLong())
                : LongStream.range(0, count).map(i -> 0x5eed_0000L + i * 0x9E3779B97F4A7C15L);
    }

    /** These seeds, or only the one to replay. */
    public static LongStream of(long... seeds) {
        OptionalLong replay = replay();
        return replay.isPresent() ? LongStream.of(replay.getAsLong()) : LongStream.of(seeds);
    }

    /** One check of a property, given a random source made from a seed. */
    @FunctionalInterface
    public interface Check {
        /** Checks the property with inputs drawn from {@code random}. */
        void run(SplittableRandom random) throws Exception;
    }

    /**
     * Runs {@code check} once per seed: {@code count} fresh seeds, or only the one to replay; a
     * failure is rethrown naming its seed.
     */
    public static void forEach(int count, Check check) {
        OptionalLong replay = replay();
        SplittableRandom fresh = new SplittableRandom();
        for (int i = 0; i < (replay.isPresent() ? 1 : count); i++) {
            long seed = replay.isPresent() ? replay.getAsLong() : fresh.nextLong();
            try {
                check.run(new SplittableRandom(seed));
            } catch (Throwable failure) {
                throw new AssertionError("failed with seed 0x" + Long.toHexString(seed) + " (replay with "
                        + replayHint(seed) + "): " + failure, failure);
            }
        }
    }

    /** How to replay {@code seed}: {@code -Dvirtiofs.seed=0x...}. */
    public static String replayHint(long seed) {
        return "-D" + PROPERTY + "=0x" + Long.toHexString(seed);
    }
}
