package io.virtiofs.examples.zip;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Attr;
import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileType;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.OpenReply;
import io.virtiofs.api.SymlinkTarget;
import io.virtiofs.api.node.DirectoryNode;
import io.virtiofs.api.node.FileHandle;
import io.virtiofs.api.node.FileNode;
import io.virtiofs.api.node.Node;
import io.virtiofs.api.node.NodeFileSystem;
import io.virtiofs.api.node.SymlinkNode;
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
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.jspecify.annotations.Nullable;

/**
 * A ZIP archive as a read-only file system, on the node layer: directories are implied by the
 * entries' paths (an entry {@code a/b/c} makes {@code a} and {@code a/b}), each file shows its
 * entry's size and modification time, and reads decompress the entry, forward from where the
 * last read of the same open file ended. Every change answers {@code EROFS}.
 *
 * <p>Modes come from the archive's central directory when a Unix tool wrote them
 * ({@link UnixModes}); an entry whose mode says symbolic link is one, its content the target.
 * Without a mode, files are 0444 and directories 0555. Entries whose path climbs out of the
 * archive ({@code ..}) or holds a name Linux cannot show are left out, and {@link #warnings()}
 * says so.
 */
public final class ZipFs implements Closeable {

    private final ZipFile zip;
    private final NodeFileSystem fileSystem;
    private final List<String> warnings = new ArrayList<>();
    private final Map<String, Integer> modes;

    private ZipFs(Path archive, Duration entryValidity, Duration attrValidity) throws IOException {
        zip = new ZipFile(archive.toFile());
        modes = modes(archive);
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

    /** The entries left out, and anything else that could not be read, with why. */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    private Map<String, Integer> modes(Path archive) {
        try {
            return UnixModes.read(archive);
        } catch (IOException e) {
            warnings.add("no Unix modes: " + e.getMessage());
            return Map.of();
        }
    }

    private int permissions(ZipEntry entry, int otherwise) {
        Integer mode = modes.get(entry.getName());
        return mode == null ? otherwise : mode & 07777;
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }

    private void add(ZipDirectory root, ZipEntry entry, FileTime archiveTime) {
        List<FileName> path = new ArrayList<>();
        for (String part : entry.getName().split("/")) {
            if (part.equals("..")) {
                warnings.add(entry.getName() + ": climbs out of the archive");
                return;
            } else if (!part.isEmpty() && !part.equals(".")) {
                try {
                    path.add(FileName.of(part));
                } catch (ErrnoException e) {
                    warnings.add(entry.getName() + ": " + e.getMessage());
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
                warnings.add(entry.getName() + ": " + path.get(i) + " is a file and a directory");
                return;
            }
            directory = subdirectory;
        }
        if (entry.isDirectory()) {
            directory.entry = entry;
        } else if (path.isEmpty() || directory.child(path.getLast()) instanceof ZipDirectory) {
            warnings.add(entry.getName() + ": not a file name, or a directory's");
        } else if (FileType.SYMLINK.matches(modes.getOrDefault(entry.getName(), 0))) {
            try (InputStream in = zip.getInputStream(entry)) {
                directory.addChild(path.getLast(), new ZipSymlink(SymlinkTarget.of(in.readNBytes(4096)), entry));
            } catch (IOException | ErrnoException e) {
                warnings.add(entry.getName() + ": not a symbolic link's target: " + e.getMessage());
            }
        } else {
            directory.addChild(path.getLast(), new ZipFileNode(entry));
        }
    }

    private static void times(Attr.Builder attr, FileTime time) {
        long seconds = time.toInstant().getEpochSecond();
        int nanos = time.toInstant().getNano();
        attr.mtime(seconds, nanos).ctime(seconds, nanos).atime(seconds, nanos);
    }

    /** A directory: its mode and time from its own entry, or 0555 and the archive's time when implied. */
    private final class ZipDirectory extends DirectoryNode {
        private final FileTime archiveTime;
        volatile @Nullable ZipEntry entry;

        ZipDirectory(FileTime archiveTime) {
            this.archiveTime = archiveTime;
        }

        @Override
        protected void getattr(Context ctx, Attr.Builder attr) {
            super.getattr(ctx, attr);
            ZipEntry own = entry;
            if (own == null) {
                times(attr.mode(0555), archiveTime);
            } else {
                times(attr.mode(permissions(own, 0555)), own.getLastModifiedTime());
            }
        }
    }

    /** A symbolic link: its target is the entry's content. */
    private final class ZipSymlink extends SymlinkNode {
        private final ZipEntry entry;

        ZipSymlink(SymlinkTarget target, ZipEntry entry) {
            super(target);
            this.entry = entry;
        }

        @Override
        protected void getattr(Context ctx, Attr.Builder attr) {
            super.getattr(ctx, attr);
            times(attr, entry.getLastModifiedTime());
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
            times(attr.mode(permissions(entry, 0444)).size(Math.max(0, entry.getSize())), entry.getLastModifiedTime());
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
