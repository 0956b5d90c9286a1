package io.virtiofs.examples.memfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.virtiofs.api.FileName;
import io.virtiofs.api.FileType;
import io.virtiofs.testkit.support.Seeds;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The cookie order and offsets of a directory's names, against a sorted map as the model. */
class DirectoryEntriesTest {

    private static final MemFsConfig CONFIG = MemFsConfig.defaults();

    private static Inode node(long id) {
        return new SpecialInode(id, FileType.FIFO, CONFIG, new InodeInit(0, 0, 0644, 1, 0, Instant.EPOCH), 0);
    }

    private static List<String> names(Iterable<DirectoryEntries.DirEntry> entries) {
        List<String> names = new ArrayList<>();
        for (DirectoryEntries.DirEntry entry : entries) {
            names.add(entry.name() + "@" + entry.cookie() + "->" + entry.inode().id());
        }
        return names;
    }

    private static List<String> names(TreeMap<Long, DirectoryEntries.DirEntry> model, long after) {
        return names(model.tailMap(after, false).values());
    }

    @Test
    void aListingContinuesAfterItsCookieWhateverWasRemovedMeanwhile() {
        DirectoryEntries entries = new DirectoryEntries();
        for (int i = 0; i < 5; i++) {
            entries.insert(FileName.of("n" + i), node(10 + i));
        }
        // cookies 3..7; remove the one a listing stopped at and the one after it
        entries.remove(FileName.of("n1"));
        entries.remove(FileName.of("n2"));
        List<String> rest = names(entries.after(4));
        assertEquals(List.of("n3@6->13", "n4@7->14"), rest);
        assertEquals(List.of(), names(entries.after(7)));
        assertEquals(List.of("n0@3->10", "n3@6->13", "n4@7->14"), names(entries.after(0)));
        assertThrows(IllegalStateException.class, () -> entries.insert(FileName.of("n0"), node(99)));
        assertNull(entries.remove(FileName.of("n1")));
    }

    /**
     * Random inserts, removals and exchanges over a small set of names, with listings from random
     * offsets (present, removed, below and beyond every cookie), against a TreeMap by cookie.
     */
    @Test
    void matchesASortedMapUnderRandomChanges() {
        long seed = Seeds.orElse(System.nanoTime());
        String replay = "seed " + seed + " (replay with -Dvirtiofs.seed=" + seed + ")";
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 20; round++) {
            DirectoryEntries entries = new DirectoryEntries();
            TreeMap<Long, DirectoryEntries.DirEntry> model = new TreeMap<>();
            HashMap<String, Long> cookieOf = new HashMap<>();
            long nextCookie = DirectoryEntries.FIRST_COOKIE;
            int names = 1 + random.nextInt(400);
            for (int step = 0; step < 3000; step++) {
                String context = replay + ", round " + round + ", step " + step;
                String name = "f" + random.nextInt(names);
                FileName fileName = FileName.of(name);
                int op = random.nextInt(10);
                if (op < 5) {
                    if (cookieOf.containsKey(name)) {
                        continue;
                    }
                    Inode inode = node(1000 + step);
                    entries.insert(fileName, inode);
                    long cookie = nextCookie++;
                    cookieOf.put(name, cookie);
                    model.put(cookie, new DirectoryEntries.DirEntry(fileName, inode, cookie));
                } else if (op < 8) {
                    Long cookie = cookieOf.remove(name);
                    Inode removed = entries.remove(fileName);
                    if (cookie == null) {
                        assertNull(removed, context);
                    } else {
                        assertSame(model.remove(cookie).inode(), removed, context);
                    }
                } else if (op < 9 && cookieOf.containsKey(name)) {
                    Inode inode = node(5000 + step);
                    entries.replace(fileName, inode);
                    long cookie = cookieOf.get(name);
                    model.put(cookie, new DirectoryEntries.DirEntry(fileName, inode, cookie));
                } else {
                    long after = random.nextLong(nextCookie + 3) - 1;
                    assertEquals(names(model, after), names(entries.after(after)), context + ", after " + after);
                }
                assertEquals(model.size(), entries.size(), context);
            }
            assertEquals(names(model, 0), names(entries.after(0)), replay + ", round " + round);
        }
    }
}
