package io.virtiofs.api.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.virtiofs.api.Context;
import io.virtiofs.api.DirectoryPlusSink;
import io.virtiofs.api.Entry;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.ReleaseRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Properties of the node layer over seeded random trees and schedules. Each test prints its seed
 * and names it in failures; {@code -Dvirtiofs.seed=N} replays one.
 */
@Timeout(120)
class NodePropertiesTest {

    private static final Context CTX = TestContext.ROOT;
    private static final OpenFlags READ_ONLY = OpenFlags.of(OpenFlags.O_RDONLY);

    private static long seed(String test) {
        long seed = Long.getLong("virtiofs.seed", System.nanoTime());
        System.out.println(NodePropertiesTest.class.getSimpleName() + "." + test + ": seed " + seed
                + " (replay with -Dvirtiofs.seed=" + seed + ")");
        return seed;
    }

    private static String randomName(Random random) {
        StringBuilder name = new StringBuilder();
        int length = 1 + random.nextInt(20);
        for (int i = 0; i < length; i++) {
            name.append((char) ('a' + random.nextInt(26)));
        }
        return name.toString();
    }

    private record Listed(String name, long nextOffset) {
    }

    /** Reads the whole listing from {@code offset} in replies of random capacity. */
    private static List<Listed> readFrom(NodeFileSystem fs, long nodeid, long fh, long offset, Random random) {
        List<Listed> listed = new ArrayList<>();
        long at = offset;
        while (true) {
            int capacity = 1 + random.nextInt(7);
            List<Listed> reply = new ArrayList<>();
            fs.readdir(CTX, nodeid, fh, at, (name, next, type, ino) -> {
                if (reply.size() == capacity) {
                    return false;
                }
                reply.add(new Listed(name.toString(), next));
                return true;
            });
            if (reply.isEmpty()) {
                return listed;
            }
            listed.addAll(reply);
            at = reply.getLast().nextOffset();
        }
    }

    @Test
    void directoryOffsetsStayValidAcrossCallsWhileTheDirectoryChanges() {
        long seed = seed("directoryOffsets");
        Random random = new Random(seed);
        for (int round = 0; round < 200; round++) {
            DirectoryNode root = new DirectoryNode();
            int children = random.nextInt(60);
            for (int i = 0; i < children; i++) {
                root.addChild(randomName(random), random.nextBoolean() ? new DirectoryNode() : new BytesFileNode("x"));
            }
            NodeFileSystem fs = new NodeFileSystem(root);
            long fh = fs.opendir(CTX, FileSystem.ROOT_ID, READ_ONLY).fh();
            List<Listed> whole = readFrom(fs, FileSystem.ROOT_ID, fh, 0, random);
            String context = "seed " + seed + ", round " + round;
            assertEquals(root.children().size() + 2, whole.size(), context);
            assertEquals(".", whole.get(0).name(), context);
            assertEquals("..", whole.get(1).name(), context);
            Set<String> names = new HashSet<>();
            whole.forEach(listed -> assertTrue(names.add(listed.name()), context + ": " + listed + " listed twice"));

            // The directory changes; the open listing does not.
            for (int i = random.nextInt(10); i > 0; i--) {
                List<NamedNode> now = root.children();
                if (!now.isEmpty() && random.nextBoolean()) {
                    root.removeChild(now.get(random.nextInt(now.size())).name());
                } else {
                    root.addChild(randomName(random), new BytesFileNode("y"));
                }
            }
            // Any offset handed out, read again (seekdir to a telldir), gives the same rest.
            for (int probe = 0; probe < 5; probe++) {
                int index = random.nextInt(whole.size());
                long offset = index == 0 ? 0 : whole.get(index - 1).nextOffset();
                assertEquals(whole.subList(index, whole.size()), readFrom(fs, FileSystem.ROOT_ID, fh, offset, random),
                        context + ", from offset " + offset);
            }
            assertEquals(List.of(), readFrom(fs, FileSystem.ROOT_ID, fh, whole.getLast().nextOffset(), random), context);
            assertEquals(List.of(), readFrom(fs, FileSystem.ROOT_ID, fh, Long.MAX_VALUE, random), context);
            // A new open sees the directory as it is now.
            long again = fs.opendir(CTX, FileSystem.ROOT_ID, READ_ONLY).fh();
            assertEquals(root.children().size() + 2, readFrom(fs, FileSystem.ROOT_ID, again, 0, random).size(), context);
            fs.releasedir(CTX, new ReleaseRequest(FileSystem.ROOT_ID, fh, 0, 0, 0));
            fs.releasedir(CTX, new ReleaseRequest(FileSystem.ROOT_ID, again, 0, 0, 0));
            assertEquals(0, fs.openHandles(), context);
        }
    }

    @Test
    void readdirplusCountsExactlyTheEntriesItHandsOut() {
        long seed = seed("readdirplusCounts");
        Random random = new Random(seed);
        for (int round = 0; round < 200; round++) {
            DirectoryNode root = new DirectoryNode();
            for (int i = random.nextInt(40); i > 0; i--) {
                root.addChild(randomName(random), new BytesFileNode("z"));
            }
            NodeFileSystem fs = new NodeFileSystem(root);
            long fh = fs.opendir(CTX, FileSystem.ROOT_ID, READ_ONLY).fh();
            Map<Long, Long> handedOut = new ConcurrentHashMap<>();
            long at = 0;
            while (true) {
                int capacity = 1 + random.nextInt(5);
                List<Long> reply = new ArrayList<>();
                DirectoryPlusSink sink = (name, next, entry) -> {
                    if (reply.size() == capacity) {
                        return false;
                    }
                    if (!name.isDotOrDotDot()) {
                        handedOut.merge(entry.nodeid(), 1L, Long::sum);
                    }
                    reply.add(next);
                    return true;
                };
                fs.readdirplus(CTX, FileSystem.ROOT_ID, fh, at, sink);
                if (reply.isEmpty()) {
                    break;
                }
                at = reply.getLast();
            }
            String context = "seed " + seed + ", round " + round;
            assertEquals(root.children().size(), handedOut.size(), context);
            for (NamedNode child : root.children()) {
                assertEquals(handedOut.get(child.node().id()), fs.lookups(child.node()), context + ": " + child);
            }
            handedOut.forEach(fs::forget);
            assertEquals(0, fs.heldNodes(), context);
        }
    }

    /**
     * Threads look up and forget the same nodes at once, each giving back exactly what it took, in
     * random order: a node a thread holds a lookup of always answers, every count ends at zero.
     */
    @Test
    void concurrentLookupsAndForgetsNeverLoseANodeTheDriverHolds() throws Exception {
        long seed = seed("concurrentLookups");
        DirectoryNode root = new DirectoryNode();
        List<FileName> names = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            FileName name = FileName.of("n" + i);
            names.add(name);
            root.addChild(name, i % 2 == 0 ? new DirectoryNode() : new BytesFileNode("content " + i));
        }
        NodeFileSystem fs = new NodeFileSystem(root);
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        Set<Long> handles = ConcurrentHashMap.newKeySet();
        for (int t = 0; t < threads; t++) {
            Random random = new Random(seed + t);
            done.add(pool.submit(() -> {
                start.await();
                Map<Long, Long> held = new java.util.HashMap<>();
                for (int step = 0; step < 20_000; step++) {
                    int choice = random.nextInt(10);
                    if (choice < 5 || held.isEmpty()) {
                        Entry entry = fs.lookup(CTX, FileSystem.ROOT_ID, names.get(random.nextInt(names.size())));
                        held.merge(entry.nodeid(), 1L, Long::sum);
                    } else {
                        List<Long> ids = new ArrayList<>(held.keySet());
                        long nodeid = ids.get(random.nextInt(ids.size()));
                        try {
                            fs.getattr(CTX, nodeid);
                            if (choice == 9) {
                                long fh = fs.opendir(CTX, FileSystem.ROOT_ID, READ_ONLY).fh();
                                if (!handles.add(fh)) {
                                    fail("seed " + seed + ": handle " + fh + " handed out twice");
                                }
                                fs.releasedir(CTX, new ReleaseRequest(FileSystem.ROOT_ID, fh, 0, 0, 0));
                            }
                        } catch (ErrnoException e) {
                            fail("seed " + seed + ": node " + nodeid + " held " + held.get(nodeid) + " times was lost: " + e);
                        }
                        long count = held.get(nodeid);
                        long give = 1 + random.nextInt((int) count);
                        fs.forget(nodeid, give);
                        if (count == give) {
                            held.remove(nodeid);
                        } else {
                            held.put(nodeid, count - give);
                        }
                    }
                }
                held.forEach(fs::forget);
                return null;
            }));
        }
        start.countDown();
        for (Future<?> future : done) {
            future.get();
        }
        pool.shutdown();
        assertEquals(0, fs.heldNodes(), "seed " + seed);
        assertEquals(0, fs.openHandles(), "seed " + seed);
    }
}
