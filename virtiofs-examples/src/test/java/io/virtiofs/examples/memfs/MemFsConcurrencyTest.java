package io.virtiofs.examples.memfs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtiofs.api.Entry;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.FileType;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.RenameFlags;
import io.virtiofs.testkit.contract.Client;
import io.virtiofs.testkit.contract.Handle;
import io.virtiofs.testkit.contract.SetattrBuilder;
import io.virtiofs.testkit.contract.TestContext;
import io.virtiofs.testkit.support.Seeds;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * Threads doing random namespace and data operations on one small tree at once, renames of
 * directories across directories included. Nothing may deadlock (the test has a deadline), and
 * afterwards the tree must be consistent: link counts, "..", and, once every lookup a thread
 * received is forgotten, exactly the reachable nodes still hold inodes.
 */
class MemFsConcurrencyTest {

    private static final String[] NAMES = {"a", "b", "c", "d"};
    private static final int THREADS = 4;
    private static final int STEPS = 3000;
    private static final long MAX_INODES = 100_000;

    private final MemFs fs = new MemFs(MemFsConfig.builder().maxInodes(MAX_INODES).build());
    private final Map<Long, LongAdder> lookups = new ConcurrentHashMap<>();
    private final Set<Long> directories = ConcurrentHashMap.newKeySet();

    @Test
    void concurrentOperationsNeitherDeadlockNorCorruptTheTree() throws Exception {
        long seed = Seeds.orElse(42);
        directories.add(FileSystem.ROOT_ID);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                SplittableRandom random = new SplittableRandom(seed * 31 + t);
                workers.add(pool.submit(() -> {
                    start.await();
                    Client client = new Client(fs, TestContext.root());
                    for (int step = 0; step < STEPS; step++) {
                        try {
                            step(client, random);
                        } catch (ErrnoException expected) {
                            // races make many operations fail; only deadlocks and corruption matter
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> worker : workers) {
                worker.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        int reachable = checkTree();
        lookups.forEach((nodeid, count) -> fs.forget(nodeid, count.sum()));
        assertEquals(MAX_INODES - reachable, fs.statfs(TestContext.root(), FileSystem.ROOT_ID).ffree(),
                "seed " + seed + ": only reachable nodes may hold inodes once all lookups are forgotten");
    }

    private void counted(Entry entry) {
        lookups.computeIfAbsent(entry.nodeid(), id -> new LongAdder()).increment();
    }

    private long anyDirectory(SplittableRandom random) {
        List<Long> known = new ArrayList<>(directories);
        return known.get(random.nextInt(known.size()));
    }

    private void step(Client client, SplittableRandom random) {
        long dir = anyDirectory(random);
        String name = NAMES[random.nextInt(NAMES.length)];
        switch (random.nextInt(10)) {
            case 0 -> {
                Entry entry = fs.mkdir(client.ctx(), dir, Client.name(name), 0755);
                counted(entry);
                directories.add(entry.nodeid());
            }
            case 1 -> {
                Handle handle = client.create(dir, name, 0644);
                counted(handle.entry());
                client.write(handle, random.nextInt(10_000), new byte[1 + random.nextInt(5000)]);
                client.release(handle);
            }
            case 2 -> client.unlink(dir, name);
            case 3 -> client.rmdir(dir, name);
            case 4, 5 -> {
                int[] flags = {0, RenameFlags.NOREPLACE, RenameFlags.EXCHANGE};
                client.rename(dir, name, anyDirectory(random), NAMES[random.nextInt(NAMES.length)],
                        flags[random.nextInt(flags.length)]);
            }
            case 6 -> {
                Entry entry = client.lookup(dir, name);
                counted(entry);
                if (entry.attr().type() == FileType.REGULAR) {
                    long fh = client.open(entry.nodeid(), OpenFlags.O_RDWR);
                    client.read(entry.nodeid(), fh, 0, 4096);
                    client.setattr(entry.nodeid(), SetattrBuilder.setattr().size(random.nextInt(8000)).build());
                    client.release(entry.nodeid(), fh);
                } else if (entry.attr().type() == FileType.DIRECTORY) {
                    directories.add(entry.nodeid());
                }
            }
            case 7 -> fs.readdirplus(client.ctx(), dir, 0, 0, (entryName, next, entry) -> {
                if (!entryName.isDotOrDotDot()) {
                    counted(entry);
                }
                return true;
            });
            case 8 -> {
                Entry entry = client.lookup(dir, name);
                counted(entry);
                if (entry.attr().type() == FileType.REGULAR) {
                    counted(client.link(entry.nodeid(), anyDirectory(random), NAMES[random.nextInt(NAMES.length)]));
                }
            }
            default -> client.names(dir);
        }
    }

    /** Checks link counts and ".." over the tree; returns the number of reachable nodes. */
    private int checkTree() {
        Client client = new Client(fs, TestContext.root());
        Map<Long, Integer> names = new HashMap<>();
        Set<Long> seen = new HashSet<>();
        List<Long> pending = new ArrayList<>(List.of(FileSystem.ROOT_ID));
        seen.add(FileSystem.ROOT_ID);
        while (!pending.isEmpty()) {
            long dir = pending.removeLast();
            int subdirectories = 0;
            for (String name : client.names(dir)) {
                Entry entry = client.lookup(dir, name);
                counted(entry);
                long node = entry.nodeid();
                if (entry.attr().type() == FileType.DIRECTORY) {
                    subdirectories++;
                    assertEquals(dir, client.lookup(node, "..").nodeid(), "'..' of " + node);
                    counted(client.lookup(node, ".."));
                    pending.add(node);
                }
                names.merge(node, 1, Integer::sum);
                seen.add(node);
            }
            assertEquals(2 + subdirectories, client.attr(dir).nlink(), "nlink of directory " + dir);
        }
        names.forEach((node, count) -> {
            if (client.attr(node).type() != FileType.DIRECTORY) {
                assertEquals(count, client.attr(node).nlink(), "nlink of " + node);
            } else {
                assertEquals(1, count, "a directory has one name");
            }
        });
        return seen.size();
    }
}
