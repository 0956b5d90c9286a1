package io.virtiofs.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Through a kernel mount of a real Ceph bucket: write a tree of a few hundred files and one of
 * 1 GiB, list it, read it back through a fresh mount (empty caches), compare every checksum with
 * what the S3 API returns for the same object, then delete the tree and find the bucket empty.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class TreeKernelTest {

    private static final long SEED = Long.getLong("virtiofs.seed", 16);
    private static final int DIRECTORIES = 12;
    private static final int FILES = 300;
    private static final long BIG = Long.getLong("virtiofs.s3.bigFile", 1L << 30);

    @Test
    void writeListReadBackAndDeleteATree() throws Exception {
        System.out.println("TreeKernelTest seed " + SEED + " (replay with -Dvirtiofs.seed=" + SEED + ")");
        SplittableRandom random = new SplittableRandom(SEED);
        try (S3Mount m = S3Mount.create("tree", c -> c)) {
            TreeMap<String, String> written = new TreeMap<>();
            for (int d = 0; d < DIRECTORIES; d++) {
                Files.createDirectories(m.path("tree/d" + d + "/sub"));
            }
            for (int i = 0; i < FILES; i++) {
                String name = "tree/d" + (i % DIRECTORIES) + (i % 3 == 0 ? "/sub" : "") + "/f" + i;
                byte[] data = new byte[random.nextInt(0, 300_000)];
                random.nextBytes(data);
                Files.write(m.path(name), data);
                written.put(name, md5(data));
            }
            long started = System.nanoTime();
            written.put("tree/big", writeBig(m.path("tree/big"), random.nextLong()));
            System.out.printf("TreeKernelTest: %d MiB written and uploaded in %.1f s%n", BIG >> 20,
                    (System.nanoTime() - started) / 1e9);

            // The listing shows every file and directory.
            try (Stream<Path> walk = Files.walk(m.path("tree"))) {
                List<Path> all = walk.toList();
                assertEquals(FILES + 1, all.stream().filter(Files::isRegularFile).count());
                assertEquals(1 + DIRECTORIES * 2, all.stream().filter(Files::isDirectory).count());
            }

            // What the S3 API returns is what was written (directories are markers "…/").
            TreeMap<String, String> api = m.apiChecksums();
            api.keySet().removeIf(k -> k.endsWith("/"));
            assertEquals(written, api);

            // Read back through a fresh mount: nothing cached in the kernel or the gateway.
            m.remount(c -> c);
            TreeMap<String, String> read = new TreeMap<>();
            started = System.nanoTime();
            for (String name : written.keySet()) {
                try (InputStream in = Files.newInputStream(m.path(name))) {
                    read.put(name, S3Mount.md5(in));
                }
            }
            System.out.printf("TreeKernelTest: read back in %.1f s%n", (System.nanoTime() - started) / 1e9);
            assertEquals(written, read);

            // Delete it all through the mount.
            try (Stream<Path> walk = Files.walk(m.path("tree"))) {
                for (Path p : walk.sorted((a, b) -> b.compareTo(a)).toList()) {
                    Files.delete(p);
                }
            }
            assertTrue(m.keys().isEmpty(), "keys left after deleting the tree: " + m.keys());
            try (Stream<Path> left = Files.list(m.mountpoint)) {
                assertEquals(0, left.count());
            }
        }
    }

    /** Writes {@link #BIG} bytes in 1 MiB writes; their MD5. */
    private static String writeBig(Path path, long seed) throws Exception {
        MessageDigest md = MessageDigest.getInstance("MD5");
        SplittableRandom random = new SplittableRandom(seed);
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(path), md)) {
            for (long done = 0; done < BIG; done += chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk, 0, (int) Math.min(chunk.length, BIG - done));
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String md5(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
    }
}
