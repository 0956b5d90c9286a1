package io.virtiofs.passthrough;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** virtiofsd's --translate-uid forms, both directions, and the errors of bad rules. */
class IdTranslationTest {

    @Test
    void mapTranslatesBothWaysAndLeavesTheRestAlone() {
        IdTranslation t = IdTranslation.parse("uid", List.of("map:1000:2000:10"));
        assertEquals(2000, t.toHost(1000));
        assertEquals(2009, t.toHost(1009));
        assertEquals(1010, t.toHost(1010));
        assertEquals(1005, t.toGuest(2005));
        assertEquals(1999, t.toGuest(1999));
        assertEquals(0, t.toHost(0));
    }

    @Test
    void oneWayRulesApplyInTheirDirectionOnly() {
        IdTranslation guest = IdTranslation.parse("uid", List.of("guest:0:100000:65536"));
        assertEquals(100000, guest.toHost(0));
        assertEquals(100000, guest.toGuest(100000), "guest: rules do not translate host ids");
        IdTranslation host = IdTranslation.parse("uid", List.of("host:100000:0:65536"));
        assertEquals(5, host.toGuest(100005));
        assertEquals(5, host.toHost(5), "host: rules do not translate guest ids");
    }

    @Test
    void squashAndForbid() {
        IdTranslation t = IdTranslation.parse("gid", List.of("map:1000:1000:1", "forbid-guest:0:1000",
                "squash-host:0:65534:1000"));
        assertEquals(1000, t.toHost(1000));
        ErrnoException forbidden = assertThrows(ErrnoException.class, () -> t.toHost(0));
        assertEquals(Errno.EPERM, forbidden.errno());
        assertEquals(65534, t.toGuest(0));
        assertEquals(65534, t.toGuest(999));
        assertEquals(1000, t.toGuest(1000));
        IdTranslation squash = IdTranslation.parse("uid", List.of("squash-guest:0:4000:100"));
        assertEquals(4000, squash.toHost(0));
        assertEquals(4000, squash.toHost(99));
        assertEquals(100, squash.toHost(100));
    }

    @Test
    void theFirstRuleThatCoversAnIdDecides() {
        IdTranslation t = IdTranslation.parse("uid", List.of("map:5:50:1", "map:0:100:10"));
        assertEquals(50, t.toHost(5));
        assertEquals(104, t.toHost(4));
        assertEquals(5, t.toGuest(50));
        assertEquals(5, t.toGuest(105));
    }

    @Test
    void idsAboveTwoToTheThirtyOneAreUnsigned() {
        IdTranslation t = IdTranslation.parse("uid", List.of("map:4294967290:0:5"));
        assertEquals(0, t.toHost((int) 4294967290L));
        assertEquals((int) 4294967294L, t.toGuest(4));
    }

    @Test
    void badRulesSayWhatIsWrong() {
        for (String bad : List.of("mapp:1:2:3", "map:1:2", "map:1:x:3", "map:1:2:0", "forbid-guest:1:2:3",
                "map:-1:2:3", "map:4294967295:0:2", "guest:0:4294967295:2", "")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> IdTranslation.parse("uid", List.of(bad)), bad);
            assertTrue(e.getMessage().startsWith("--translate-uid " + bad), e.getMessage());
        }
    }

    /** Property: a map rule is a bijection on its range, toGuest undoing toHost; seeded, printed. */
    @Test
    void mapRulesAreInvertible() {
        long seed = Long.getLong("virtiofs.seed", System.nanoTime());
        System.out.println("IdTranslationTest seed " + seed);
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 200; round++) {
            long guest = random.nextLong(0, 1L << 31);
            long host = random.nextLong(0, 1L << 31);
            long count = random.nextLong(1, 1 << 20);
            IdTranslation t = IdTranslation.parse("uid", List.of("map:" + guest + ":" + host + ":" + count));
            for (int i = 0; i < 20; i++) {
                int id = (int) (guest + random.nextLong(0, count));
                assertEquals(id, t.toGuest(t.toHost(id)), "seed " + seed + " id " + id);
            }
        }
    }
}
