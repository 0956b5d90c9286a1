package io.virtiofs.testkit.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * -Dvirtiofs.seed reads alike in every module (the transport's and the protocol's tests parse it
 * as this does): decimal, or hex after 0x (all 64 bits); what a failure prints replays it.
 */
class SeedsTest {

    @Test
    void decimalAndHexReadAlike() {
        assertEquals(31, Seeds.parse("31"));
        assertEquals(31, Seeds.parse("0x1f"));
        assertEquals(31, Seeds.parse(" 0X1F "));
        assertEquals(10, Seeds.parse("010"), "a leading zero is decimal, not octal");
        assertEquals(-5, Seeds.parse("-5"));
        assertEquals(-1, Seeds.parse("0xffffffffffffffff"));
        assertEquals(Long.MIN_VALUE, Seeds.parse("0x8000000000000000"));
        assertThrows(NumberFormatException.class, () -> Seeds.parse("#1f"));
    }

    @Test
    void theReplayHintReadsBackAsTheSeed() {
        for (long seed : new long[] {0, 1, -1, Long.MIN_VALUE, 0xC0FFEE}) {
            String hint = Seeds.replayHint(seed);
            assertEquals(seed, Seeds.parse(hint.substring(hint.indexOf('=') + 1)));
        }
    }
}
