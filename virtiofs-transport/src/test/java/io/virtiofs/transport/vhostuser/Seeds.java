package io.virtiofs.transport.vhostuser;

import java.util.stream.LongStream;

/**
 * Seeds for property-style tests: {@code count} seeds derived from a fixed base, or exactly the
 * one given with {@code -Dvirtiofs.seed=N} to replay a failure (every failure message prints its
 * seed).
 */
final class Seeds {

    private Seeds() {
    }

    static LongStream of(int count) {
        String replay = System.getProperty("virtiofs.seed");
        if (replay != null && !replay.isBlank()) {
            return LongStream.of(Long.parseLong(replay.trim()));
        }
        return LongStream.range(0, count).map(i -> 0x5eed_0000L + i * 0x9E3779B97F4A7C15L);
    }
}
