package io.virtiofs.transport.internal;

import java.util.OptionalLong;
import java.util.stream.LongStream;

/**
 * The seeds of this module's property-style tests: {@code -Dvirtiofs.seed=N} replays one, in
 * decimal or, after {@code 0x}, in hex (all 64 bits), as every module's tests read it (the
 * testkit's {@code Seeds} is the public one; {@code SeedsTest} checks both read alike). A failure
 * prints its seed.
 */
public final class Seeds {

    private Seeds() {
    }

    /** {@code text} as a seed: decimal (signed), or hex after {@code 0x} (unsigned, 64 bits). */
    public static long parse(String text) {
        String t = text.trim();
        return t.startsWith("0x") || t.startsWith("0X") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
    }

    /** The seed {@code -Dvirtiofs.seed} gives, if any. */
    public static OptionalLong replay() {
        String text = System.getProperty("virtiofs.seed");
        return text == null || text.isBlank() ? OptionalLong.empty() : OptionalLong.of(parse(text));
    }

    /** The seed to replay, or {@code fallback}. */
    public static long orElse(long fallback) {
        return replay().orElse(fallback);
    }

    /** {@code count} seeds derived from a fixed base, or only the one to replay. */
    public static LongStream of(int count) {
        OptionalLong replay = replay();
        return replay.isPresent() ? LongStream.of(replay.getAsLong())
                : LongStream.range(0, count).map(i -> 0x5eed_0000L + i * 0x9E3779B97F4A7C15L);
    }
}
