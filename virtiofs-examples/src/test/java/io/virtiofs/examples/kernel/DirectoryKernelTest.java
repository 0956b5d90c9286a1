package io.virtiofs.examples.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.examples.kernel.Descriptor.Dirent;
import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.server.ServerStatistics;
import io.virtiofs.testkit.support.Seeds;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Directory listings through the kernel: readdirplus (types, inodes, attributes the kernel caches
 * from the listing), offsets that stay valid while the directory changes (getdents with a small
 * buffer, seekdir to a saved offset, a DirectoryStream), and a directory of 10,000 entries.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DirectoryKernelTest {

    private static final long SEED = Seeds.orElse(10_000L);

    private MemFsMount mount;

    @AfterEach
    void unmount() {
        if (mount != null) {
            mount.close();
        }
    }

    /** The node kinds of a listing, and the d_type each must show. */
    private static final Map<String, Integer> KINDS = Map.of("file", Dirent.DT_REG, "dir", Dirent.DT_DIR,
            "link", Dirent.DT_LNK, "fifo", Dirent.DT_FIFO, "socket", Dirent.DT_SOCK, "char", Dirent.DT_CHR,
            "block", Dirent.DT_BLK);

    private static void makeOneOfEachKind(Path dir) throws Exception {
        Files.writeString(dir.resolve("file"), "12345");
        Files.createDirectory(dir.resolve("dir"));
        Files.createSymbolicLink(dir.resolve("link"), Path.of("file"));
        PathCalls.mknod(dir.resolve("fifo"), Statx.S_IFIFO | 0644, 0, 0);
        PathCalls.mknod(dir.resolve("socket"), Statx.S_IFSOCK | 0644, 0, 0);
        PathCalls.mknod(dir.resolve("char"), Statx.S_IFCHR | 0644, 1, 7);
        PathCalls.mknod(dir.resolve("block"), Statx.S_IFBLK | 0644, 7, 1);
    }

    /** Every entry of {@code dir} through getdents64 with a buffer of {@code bufferSize} bytes. */
    private static List<Dirent> listAll(Path dir, int bufferSize) {
        try (Descriptor fd = Descriptor.open(dir, Descriptor.O_RDONLY | Descriptor.O_DIRECTORY)) {
            List<Dirent> all = new ArrayList<>();
            for (List<Dirent> batch = fd.getdents(bufferSize); !batch.isEmpty(); batch = fd.getdents(bufferSize)) {
                all.addAll(batch);
            }
            return all;
        }
    }

    @Test
    void aListingAfterLookupsShowsTypesAndInodes() throws Exception {
        // memfs asks for readdirplus only when the driver may keep the entries it returns.
        mount = MemFsMount.mount(MemFsMount.config().entryTimeout(Duration.ofSeconds(1)).build());
        Path dir = Files.createDirectory(mount.path("dir"));
        makeOneOfEachKind(dir);
        Map<String, Long> inodes = new HashMap<>();
        for (String name : KINDS.keySet()) {
            inodes.put(name, Statx.of(dir.resolve(name)).ino()); // a lookup each
        }
        inodes.put(".", Statx.of(dir).ino());
        inodes.put("..", Statx.of(mount.root()).ino());
        long plusBefore = mount.statistics().requests(Opcode.READDIRPLUS);
        List<Dirent> listing = listAll(dir, 4096);
        assertTrue(mount.statistics().requests(Opcode.READDIRPLUS) > plusBefore, "readdirplus served the listing");
        assertEquals(9, listing.size(), listing.toString());
        for (Dirent entry : listing) {
            assertEquals(inodes.get(entry.name()), entry.ino(), entry.toString());
            int expectedType = KINDS.getOrDefault(entry.name(), Dirent.DT_DIR);
            assertEquals(expectedType, entry.type(), entry.toString());
        }
        for (String name : KINDS.keySet()) {
            assertEquals(inodes.get(name), Statx.of(dir.resolve(name)).ino(), "still the same node after the listing");
        }
    }

    @Test
    void readdirplusFillsTheKernelsCacheWithCorrectAttributes() throws Exception {
        MemFs fs = new MemFs(MemFsMount.config().entryTimeout(Duration.ofMinutes(1)).attrTimeout(Duration.ofMinutes(1))
                .build());
        mount = MemFsMount.mount(fs, UnaryOperator.identity());
        Path dir = Files.createDirectory(mount.path("dir"));
        makeOneOfEachKind(dir);
        Map<String, Statx> expected = new HashMap<>();
        for (String name : KINDS.keySet()) {
            expected.put(name, Statx.of(dir.resolve(name), Statx.STATX_BASIC_STATS));
        }
        mount.remount(); // a new session: the kernel knows no name below the root
        Statx.of(dir, Statx.STATX_BASIC_STATS);
        listAll(dir, 4096);
        ServerStatistics before = mount.statistics();
        assertEquals(1, before.requests(Opcode.READDIRPLUS), before.toString());
        for (String name : KINDS.keySet()) {
            Statx cached = Statx.of(dir.resolve(name), Statx.STATX_BASIC_STATS);
            Statx original = expected.get(name);
            assertEquals(List.of(original.ino(), original.mode(), original.nlink(), original.size(), original.uid(),
                            original.rdevMajor(), original.rdevMinor(), original.mtime()),
                    List.of(cached.ino(), cached.mode(), cached.nlink(), cached.size(), cached.uid(), cached.rdevMajor(),
                            cached.rdevMinor(), cached.mtime()), name);
        }
        ServerStatistics after = mount.statistics();
        assertEquals(List.of(before.requests(Opcode.LOOKUP), before.requests(Opcode.GETATTR)),
                List.of(after.requests(Opcode.LOOKUP), after.requests(Opcode.GETATTR)),
                "every name and attribute came from the readdirplus reply");
    }

    @Test
    void offsetsStayValidWhileTheDirectoryChanges() throws Exception {
        mount = MemFsMount.mount();
        Long fixed = Seeds.replay().isPresent() ? Seeds.replay().getAsLong() : null;
        for (long seed : fixed != null ? List.of(fixed) : List.of(SEED, SEED + 1, SEED + 2)) {
            listWhileChanging(seed);
        }
    }

    private void listWhileChanging(long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        Path dir = Files.createDirectory(mount.path("changing-" + seed));
        Set<String> initial = new TreeSet<>();
        for (int i = 0; i < 400; i++) {
            String name = "e" + i;
            PathCalls.mknod(dir.resolve(name), Statx.S_IFREG | 0644, 0, 0);
            initial.add(name);
        }
        Set<String> present = new TreeSet<>(initial);
        Set<String> removed = new HashSet<>();
        Set<String> added = new HashSet<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        Map<String, Long> offsets = new LinkedHashMap<>();
        int nextNew = 0;
        try (Descriptor fd = Descriptor.open(dir, Descriptor.O_RDONLY | Descriptor.O_DIRECTORY)) {
            for (List<Dirent> batch = fd.getdents(400); !batch.isEmpty(); batch = fd.getdents(400)) {
                for (Dirent entry : batch) {
                    seen.merge(entry.name(), 1, Integer::sum);
                    offsets.put(entry.name(), entry.offset());
                }
                for (int i = random.nextInt(6); i > 0 && !present.isEmpty(); i--) {
                    String victim = new ArrayList<>(present).get(random.nextInt(present.size()));
                    Files.delete(dir.resolve(victim));
                    present.remove(victim);
                    removed.add(victim);
                }
                for (int i = random.nextInt(6); i > 0; i--) {
                    String name = "n" + nextNew++;
                    PathCalls.mknod(dir.resolve(name), Statx.S_IFREG | 0644, 0, 0);
                    present.add(name);
                    added.add(name);
                }
            }
            String where = "seed " + seed;
            for (String name : initial) {
                if (!removed.contains(name)) {
                    assertEquals(1, seen.getOrDefault(name, 0), where + ": " + name + " stayed and must be listed once");
                }
            }
            seen.forEach((name, count) -> {
                assertEquals(1, count, where + ": " + name + " listed twice");
                assertTrue(name.equals(".") || name.equals("..") || initial.contains(name) || added.contains(name),
                        where + ": " + name + " never existed");
            });
            for (String name : added) {
                if (present.contains(name)) {
                    assertEquals(1, seen.getOrDefault(name, 0), where + ": memfs lists a name added ahead of the listing");
                }
            }

            // seekdir: continuing from the offset of an entry lists what came after it, in order.
            List<String> order = new ArrayList<>(offsets.keySet());
            int mark = order.size() / 3;
            fd.lseek(offsets.get(order.get(mark)), Descriptor.SEEK_SET);
            List<String> resumed = new ArrayList<>();
            for (List<Dirent> batch = fd.getdents(400); !batch.isEmpty(); batch = fd.getdents(400)) {
                batch.forEach(entry -> resumed.add(entry.name()));
            }
            List<String> expected = order.subList(mark + 1, order.size()).stream().filter(present::contains).toList();
            assertEquals(expected, resumed, where + ": after seekdir");
        }
    }

    @Test
    void aDirectoryStreamIteratedWhileEntriesComeAndGoLosesNothingThatStayed() throws Exception {
        mount = MemFsMount.mount();
        SplittableRandom random = new SplittableRandom(SEED);
        Path dir = Files.createDirectory(mount.path("stream"));
        Set<String> initial = new TreeSet<>();
        for (int i = 0; i < 3000; i++) { // more than one 32 KiB getdents buffer of glibc's readdir
            PathCalls.mknod(dir.resolve("entry-" + i), Statx.S_IFREG | 0644, 0, 0);
            initial.add("entry-" + i);
        }
        Set<String> removed = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        int added = 0;
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            Iterator<Path> iterator = stream.iterator();
            while (iterator.hasNext()) {
                seen.merge(iterator.next().getFileName().toString(), 1, Integer::sum);
                if (random.nextInt(10) == 0) {
                    String victim = "entry-" + random.nextInt(3000);
                    if (removed.add(victim)) {
                        Files.delete(dir.resolve(victim));
                    }
                    PathCalls.mknod(dir.resolve("added-" + added++), Statx.S_IFREG | 0644, 0, 0);
                }
            }
        }
        for (String name : initial) {
            if (!removed.contains(name)) {
                assertEquals(1, seen.getOrDefault(name, 0), name + " stayed; seed " + SEED);
            }
        }
        seen.forEach((name, count) -> assertEquals(1, count, name + " listed " + count + " times; seed " + SEED));
        assertTrue(seen.size() >= initial.size() - removed.size());
    }

    @Test
    void tenThousandEntriesAreAllListedAndStatable() throws Exception {
        mount = MemFsMount.mount(MemFsMount.config().entryTimeout(Duration.ofMinutes(1))
                .attrTimeout(Duration.ofMinutes(1)).build());
        Path dir = Files.createDirectory(mount.path("big"));
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String name = String.format("entry-%05d-%s", i, "x".repeat(i % 40));
            if (i % 100 == 0) {
                Files.createDirectory(dir.resolve(name));
            } else {
                PathCalls.mknod(dir.resolve(name), Statx.S_IFREG | 0644, 0, 0);
            }
            expected.add(name);
        }
        assertEquals(2 + 100, Statx.of(dir).nlink());
        List<Dirent> listing = listAll(dir, 8192);
        assertEquals(10_002, listing.size());
        Set<String> names = new HashSet<>();
        Set<Long> inodes = new HashSet<>();
        for (Dirent entry : listing) {
            assertTrue(names.add(entry.name()), "listed twice: " + entry.name());
            if (!entry.name().equals(".") && !entry.name().equals("..")) {
                assertTrue(inodes.add(entry.ino()), "inode listed twice: " + entry);
            }
        }
        names.remove(".");
        names.remove("..");
        assertEquals(expected, names);
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            int count = 0;
            for (Path path : stream) {
                Statx stat = Statx.of(path, Statx.STATX_BASIC_STATS);
                boolean isDirectory = path.getFileName().toString().startsWith("entry-") && stat.type() == Statx.S_IFDIR;
                assertEquals(Integer.parseInt(path.getFileName().toString().substring(6, 11)) % 100 == 0, isDirectory,
                        path.toString());
                assertTrue(inodes.contains(stat.ino()), path.toString());
                count++;
            }
            assertEquals(10_000, count);
        }
    }
}
