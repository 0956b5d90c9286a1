package io.virtiofs.examples.zip;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Attr;
import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.OpenReply;
import io.virtiofs.api.node.DirectoryNode;
import io.virtiofs.api.node.FileHandle;
import io.virtiofs.api.node.FileNode;
import io.virtiofs.api.node.Node;
import io.virtiofs.api.node.NodeFileSystem;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.jspecify.annotations.Nullable;

/**
 * A ZIP archive as a read-only file system, on the node layer: directories are implied by the
 * entries' paths (an entry {@code a/b/c} makes {@code a} and {@code a/b}), each file shows its
 * entry's size and modification time, and reads decompress the entry, forward from where the
 * last read of the same open file ended. Every change answers {@code EROFS}.
 *
 * <p>{@link ZipFile} does not show an entry's Unix mode, so files are 0444 and directories 0555.
 * Entries whose path climbs out of the archive ({@code ..}) or holds a name Linux cannot show
 * are left out, and {@link #skipped()} lists them.
 */
public final class ZipFs implements Closeable {

    private final ZipFile zip;
    private final NodeFileSystem fileSystem;
    private final List<String> skipped = new ArrayList<>();

    private ZipFs(Path archive, Duration entryValidity, Duration attrValidity) throws IOException {
        zip = new ZipFile(archive.toFile());
        FileTime archiveTime = Files.getLastModifiedTime(archive);
        ZipDirectory root = new ZipDirectory(archiveTime);
        for (ZipEntry entry : Collections.list(zip.entries())) {
            add(root, entry, archiveTime);
        }
        fileSystem = new NodeFileSystem(root, entryValidity, attrValidity);
    }

    /** Opens {@code archive}; the driver caches names and attributes for as long as given. */
    public static ZipFs open(Path archive, Duration entryValidity, Duration attrValidity) throws IOException {
        return new ZipFs(archive, entryValidity, attrValidity);
    }

    /** The file system to serve. */
    public NodeFileSystem fileSystem() {
        return fileSystem;
    }

    /** The entries left out, with why. */
    public List<String> skipped() {
        return List.copyOf(skipped);
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }

    private void add(ZipDirectory root, ZipEntry entry, FileTime archiveTime) {
        List<FileName> path = new ArrayList<>();
        for (String part : entry.getName().split("/")) {
            if (part.equals("..")) {
                skipped.add(entry.getName() + ": climbs out of the archive");
                return;
            } else if (!part.isEmpty() && !part.equals(".")) {
                try {
                    path.add(FileName.of(part));
                } catch (ErrnoException e) {
                    skipped.add(entry.getName() + ": " + e.getMessage());
                    return;
                }
            }
        }
        ZipDirectory directory = root;
        int directories = entry.isDirectory() ? path.size() : path.size() - 1;
        for (int i = 0; i < directories; i++) {
            Node child = directory.child(path.get(i));
            if (child == null) {
                child = new ZipDirectory(archiveTime);
                directory.addChild(path.get(i), child);
            }
            if (!(child instanceof ZipDirectory subdirectory)) {
                skipped.add(entry.getName() + ": " + path.get(i) + " is a file and a directory");
                return;
            }
            directory = subdirectory;
        }
        if (entry.isDirectory()) {
            directory.time = entry.getLastModifiedTime();
        } else if (path.isEmpty() || directory.child(path.getLast()) instanceof ZipDirectory) {
            skipped.add(entry.getName() + ": not a file name, or a directory's");
        } else {
            directory.addChild(path.getLast(), new ZipFileNode(entry));
        }
    }

    private static void times(Attr.Builder attr, FileTime time) {
        long seconds = time.toInstant().getEpochSecond();
        int nanos = time.toInstant().getNano();
        attr.mtime(seconds, nanos).ctime(seconds, nanos).atime(seconds, nanos);
    }

    /** A directory: its time from its own entry, or the archive's when only implied. */
    private static final class ZipDirectory extends DirectoryNode {
        volatile FileTime time;

        ZipDirectory(FileTime time) {
            this.time = time;
        }

        @Override
        protected void getattr(Context ctx, Attr.Builder attr) {
            super.getattr(ctx, attr);
            times(attr.mode(0555), time);
        }
    }

    /** A file: each open reads the entry through a stream of its own. */
    private final class ZipFileNode extends FileNode {
        private final ZipEntry entry;

        ZipFileNode(ZipEntry entry) {
            this.entry = entry;
        }

        @Override
        protected void getattr(Context ctx, Attr.Builder attr) {
            times(attr.mode(0444).size(Math.max(0, entry.getSize())), entry.getLastModifiedTime());
        }

        @Override
        protected FileHandle open(Context ctx, OpenFlags flags) {
            super.open(ctx, flags); // EROFS for writing
            return new EntryReader(entry);
        }
    }

    /**
     * One open file's stream, positioned where its last read ended: reading a file from start to
     * end decompresses it once. A read behind the position starts the stream again.
     */
    private final class EntryReader implements FileHandle {
        private final ZipEntry entry;
        private @Nullable InputStream in;
        private long position;

        EntryReader(ZipEntry entry) {
            this.entry = entry;
        }

        @Override
        public int openReplyFlags() {
            return OpenReply.KEEP_CACHE; // the archive does not change: keep the page cache
        }

        @Override
        public synchronized void read(Context ctx, long offset, int size, ByteBuf dst) {
            if (offset >= entry.getSize()) {
                return;
            }
            try {
                if (in == null || offset < position) {
                    release(ctx);
                    in = zip.getInputStream(entry);
                    position = 0;
                }
                in.skipNBytes(offset - position);
                int start = dst.writerIndex();
                while (dst.writerIndex() - start < size && dst.writeBytes(in, size - (dst.writerIndex() - start)) > 0) {
                    // until size bytes or the end of the entry
                }
                position = offset + dst.writerIndex() - start;
            } catch (IOException e) {
                release(ctx);
                throw new ErrnoException(Errno.EIO, "reading " + entry.getName() + ": " + e.getMessage());
            }
        }

        @Override
        public synchronized void release(Context ctx) {
            try (InputStream stream = in) {
                in = null;
            } catch (IOException ignored) {
                // a stream that was only read from: nothing is lost
            }
        }
    }
}
