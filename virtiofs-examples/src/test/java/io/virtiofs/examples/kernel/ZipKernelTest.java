package io.virtiofs.examples.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.examples.zip.ZipFixture;
import io.virtiofs.examples.zip.ZipFs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ZIP example (on the node layer) through the kernel: a seeded random archive mounted, every
 * directory listed, every file's size, time and mode, its bytes read whole and at random offsets
 * against the archive's, symbolic links read and followed, and every change refused with EROFS.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ZipKernelTest {

    private MemFsMount mount;
    private ZipFs zip;

    @AfterEach
    void unmount() throws IOException {
        if (mount != null) {
            mount.close();
        }
        if (zip != null) {
            zip.close();
        }
    }

    private Path mounted(String path) {
        return path.isEmpty() ? mount.path(".").normalize() : mount.path(path);
    }

    @Test
    void servesTheArchiveByteForByte(@TempDir Path dir) throws Exception {
        long seed = Long.getLong("virtiofs.seed", System.nanoTime());
        System.out.println("ZipKernelTest: seed " + seed + " (replay with -Dvirtiofs.seed=" + seed + ")");
        ZipFixture fixture = ZipFixture.write(dir.resolve("t.zip"), seed);
        zip = ZipFs.open(fixture.archive(), Duration.ofSeconds(1), Duration.ofSeconds(1));
        mount = MemFsMount.mount(zip.fileSystem(), UnaryOperator.identity());
        Random random = new Random(seed);

        for (String directory : fixture.directories()) {
            try (Stream<Path> listing = Files.list(mounted(directory))) {
                TreeSet<String> names = listing.map(p -> p.getFileName().toString())
                        .collect(Collectors.toCollection(TreeSet::new));
                assertEquals(fixture.children(directory), names, "seed " + seed + ": listing of /" + directory);
            }
            assertEquals(fixture.modes().getOrDefault(directory + "/", 040555),
                    Files.getAttribute(mounted(directory), "unix:mode"), "seed " + seed + ": the mode of /" + directory);
        }
        // Random reads first, before the page cache holds the files: the file system's streams
        // are sent back and forth.
        for (Map.Entry<String, byte[]> file : fixture.files().entrySet()) {
            byte[] content = file.getValue();
            if (content.length == 0) {
                continue;
            }
            try (FileChannel channel = FileChannel.open(mounted(file.getKey()))) {
                for (int i = 0; i < 8; i++) {
                    int offset = random.nextInt(content.length);
                    ByteBuffer buffer = ByteBuffer.allocate(1 + random.nextInt(300_000));
                    int read = channel.read(buffer, offset);
                    int expected = Math.min(buffer.capacity(), content.length - offset);
                    assertEquals(expected, read, "seed " + seed + ": " + file.getKey() + " at " + offset);
                    assertArrayEquals(Arrays.copyOfRange(content, offset, offset + expected),
                            Arrays.copyOf(buffer.array(), read), "seed " + seed + ": " + file.getKey() + " at " + offset);
                }
            }
        }
        for (Map.Entry<String, byte[]> file : fixture.files().entrySet()) {
            String context = "seed " + seed + ": " + file.getKey();
            Path path = mounted(file.getKey());
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            assertTrue(attributes.isRegularFile(), context);
            assertEquals(file.getValue().length, attributes.size(), context);
            assertEquals(fixture.times().get(file.getKey()), attributes.lastModifiedTime().toInstant(), context);
            assertArrayEquals(file.getValue(), Files.readAllBytes(path), context);
            assertEquals(fixture.modes().getOrDefault(file.getKey(), 0100444), Files.getAttribute(path, "unix:mode"), context);
        }
        for (Map.Entry<String, String> link : fixture.links().entrySet()) {
            String context = "seed " + seed + ": " + link.getKey();
            Path path = mounted(link.getKey());
            assertTrue(Files.isSymbolicLink(path), context);
            assertEquals(Path.of(link.getValue()), Files.readSymbolicLink(path), context);
            String target = link.getKey().substring(0, link.getKey().lastIndexOf('/') + 1) + link.getValue();
            assertArrayEquals(fixture.files().get(target), Files.readAllBytes(path), context + " followed");
        }
        for (String directory : fixture.directories()) {
            if (fixture.times().containsKey(directory)) {
                assertEquals(fixture.times().get(directory), Files.getLastModifiedTime(mounted(directory)).toInstant(),
                        "seed " + seed + ": the time of /" + directory + " from its own entry");
            }
        }
        assertTrue(Files.notExists(mounted("escape.txt")));
        assertTrue(Files.notExists(mount.path("..").resolve("escape.txt")));

        String first = fixture.files().keySet().iterator().next();
        for (IOException refused : new IOException[] {
                assertThrows(IOException.class, () -> Files.writeString(mounted("new.txt"), "x")),
                assertThrows(IOException.class, () -> Files.writeString(mounted(first), "x")),
                assertThrows(IOException.class, () -> Files.createDirectory(mounted("newdir"))),
                assertThrows(IOException.class, () -> Files.delete(mounted(first)))}) {
            assertTrue(String.valueOf(refused.getMessage()).contains("Read-only file system"), refused.toString());
        }
    }
}
