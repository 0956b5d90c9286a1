package io.virtiofs.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** -Dvirtiofs.seed reads alike in every module: decimal, or hex after 0x (all 64 bits). */
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
    }
}
