package io.virtiofs.examples.zip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Attr;
import io.virtiofs.api.Context;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.ReadRequest;
import io.virtiofs.api.ReleaseRequest;
import io.virtiofs.api.SecurityLabel;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The ZIP example called directly (no kernel): a random archive served exactly, reads in any order. */
@Timeout(120)
class ZipFsTest {

    private static final Context CTX = new Context() {
        @Override public int uid() { return 0; }
        @Override public int gid() { return 0; }
        @Override public int pid() { return 1; }
        @Override public int umask() { return 022; }
        @Override public int supplementaryGroupCount() { return 0; }
        @Override public int supplementaryGroup(int index) { throw new IndexOutOfBoundsException(index); }
        @Override public List<SecurityLabel> securityLabels() { return List.of(); }
        @Override public boolean isCancelled() { return false; }
        @Override public void onCancel(Runnable action) { }
        @Override public long requestId() { return 1; }
    };

    private static long resolve(FileSystem fs, String path) {
        long nodeid = FileSystem.ROOT_ID;
        for (String part : path.split("/")) {
            if (!part.isEmpty()) {
                nodeid = fs.lookup(CTX, nodeid, FileName.of(part)).nodeid();
            }
        }
        return nodeid;
    }

    private static TreeSet<String> list(FileSystem fs, long nodeid) {
        long fh = fs.opendir(CTX, nodeid, OpenFlags.of(OpenFlags.O_RDONLY)).fh();
        TreeSet<String> names = new TreeSet<>();
        fs.readdir(CTX, nodeid, fh, 0, (name, next, type, ino) -> name.isDotOrDotDot() || names.add(name.toString()));
        fs.releasedir(CTX, new ReleaseRequest(nodeid, fh, 0, 0, 0));
        return names;
    }

    /** An archive served, by the node layer's ZipFs or by the raw SPI's RawZipFs. */
    private record Served(FileSystem fs, List<String> skipped, Closeable archive) implements Closeable {
        static Served open(String implementation, Path archive) throws IOException {
            if (implementation.equals("raw")) {
                RawZipFs raw = new RawZipFs(archive, Duration.ofSeconds(1), Duration.ofSeconds(1));
                return new Served(raw.readOnly(), raw.warnings(), raw);
            }
            ZipFs zip = ZipFs.open(archive, Duration.ofSeconds(1), Duration.ofSeconds(1));
            return new Served(zip.fileSystem(), zip.warnings(), zip);
        }

        @Override
        public void close() throws IOException {
            archive.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"node", "raw"})
    void servesARandomArchiveExactly(String implementation, @TempDir Path dir) throws Exception {
        long seed = Long.getLong("virtiofs.seed", System.nanoTime());
        System.out.println("ZipFsTest(" + implementation + "): seed " + seed + " (replay with -Dvirtiofs.seed=" + seed + ")");
        ZipFixture fixture = ZipFixture.write(dir.resolve("t.zip"), seed);
        Random random = new Random(seed);
        try (Served zip = Served.open(implementation, fixture.archive())) {
            FileSystem fs = zip.fs();
            assertEquals(fixture.skipped().size(), zip.skipped().size(), "seed " + seed + ": " + zip.skipped());
            for (String directory : fixture.directories()) {
                long nodeid = resolve(fs, directory);
                assertEquals(fixture.modes().getOrDefault(directory + "/", 040555), fs.getattr(CTX, nodeid).attr().mode(),
                        "seed " + seed + ": " + directory);
                assertEquals(fixture.children(directory), list(fs, nodeid), "seed " + seed + ": " + directory);
            }
            for (Map.Entry<String, byte[]> file : fixture.files().entrySet()) {
                String context = "seed " + seed + ": " + file.getKey();
                byte[] content = file.getValue();
                long nodeid = resolve(fs, file.getKey());
                Attr attr = fs.getattr(CTX, nodeid).attr();
                assertEquals(fixture.modes().getOrDefault(file.getKey(), 0100444), attr.mode(), context);
                assertEquals(content.length, attr.size(), context);
                assertEquals(fixture.times().get(file.getKey()).getEpochSecond(), attr.mtime(), context);
                long fh = fs.open(CTX, nodeid, OpenFlags.of(OpenFlags.O_RDONLY)).fh();
                // Reads at random offsets, behind and ahead of one another, and past the end.
                for (int i = 0; i < 12; i++) {
                    int offset = random.nextInt(content.length + 10);
                    int size = 1 + random.nextInt(200_000);
                    ByteBuf dst = Unpooled.buffer(size);
                    fs.read(CTX, new ReadRequest(nodeid, fh, offset, size, 0, 0, 0), dst);
                    int from = Math.min(offset, content.length);
                    assertArrayEquals(Arrays.copyOfRange(content, from, Math.min(content.length, from + size)),
                            Arrays.copyOfRange(dst.array(), dst.arrayOffset(), dst.arrayOffset() + dst.writerIndex()),
                            context + " at " + offset + " for " + size);
                }
                fs.release(CTX, new ReleaseRequest(nodeid, fh, 0, 0, 0));
            }
            for (Map.Entry<String, String> link : fixture.links().entrySet()) {
                long nodeid = resolve(fs, link.getKey());
                assertEquals(0120777, fs.getattr(CTX, nodeid).attr().mode(), "seed " + seed + ": " + link.getKey());
                assertEquals(link.getValue(), fs.readlink(CTX, nodeid).toString(), "seed " + seed + ": " + link.getKey());
            }
            Entry entry = fs.lookup(CTX, FileSystem.ROOT_ID, FileName.of("escape.txt"));
            assertTrue(entry.isNegative(), "an entry climbing out of the archive is left out");
            long first = resolve(fs, fixture.files().keySet().iterator().next());
            assertEquals(Errno.EROFS, assertThrows(ErrnoException.class,
                    () -> fs.open(CTX, first, OpenFlags.of(OpenFlags.O_WRONLY))).errno());
            assertEquals(Errno.EROFS, assertThrows(ErrnoException.class,
                    () -> fs.mkdir(CTX, FileSystem.ROOT_ID, FileName.of("new"), 0755)).errno());
        }
    }

    @Test
    void aFileThatIsNotAnArchiveFailsToOpenWithItsReason(@TempDir Path dir) throws Exception {
        Path notZip = Files.writeString(dir.resolve("not.zip"), "plain text");
        Exception e = assertThrows(java.util.zip.ZipException.class,
                () -> ZipFs.open(notZip, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
    }
}
