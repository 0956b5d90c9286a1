package io.virtiofs.examples.zip;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Attr;
import io.virtiofs.api.AttrReply;
import io.virtiofs.api.Context;
import io.virtiofs.api.DirectorySink;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.FileType;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.OpenReply;
import io.virtiofs.api.ReadOnlyFileSystem;
import io.virtiofs.api.ReadRequest;
import io.virtiofs.api.ReleaseRequest;
import io.virtiofs.api.StatFs;
import io.virtiofs.api.SymlinkTarget;
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
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.jspecify.annotations.Nullable;

/**
 * The ZIP example of {@link ZipFs} written again on the full {@link FileSystem} SPI, with the same
 * behaviour, to measure what the node layer saves (docs/nodes.md, "Lines of code"). It may
 * ignore FORGET only because its tree never changes: every node lives as long as the archive.
 */
final class RawZipFs implements FileSystem, Closeable {

    /**
     * A node: its nodeid is its index in {@link #nodes} plus one; a directory has children, a
     * symbolic link a target; a directory's entry and mode come with its own entry, if any.
     */
    private record Node(long nodeid, @Nullable ZipEntry[] entry, @Nullable TreeMap<FileName, Node> children,
                        @Nullable SymlinkTarget link, FileTime archiveTime) {
        boolean isDirectory() {
            return children != null;
        }

        FileType type() {
            return isDirectory() ? FileType.DIRECTORY : link != null ? FileType.SYMLINK : FileType.REGULAR;
        }
    }

    private final ZipFile zip;
    private final List<Node> nodes = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final Map<String, Integer> modes;
    private final Map<Long, Object> handles = new ConcurrentHashMap<>();
    private final AtomicLong nextHandle = new AtomicLong(1);
    private final Duration entryValidity;
    private final Duration attrValidity;

    RawZipFs(Path archive, Duration entryValidity, Duration attrValidity) throws IOException {
        this.entryValidity = entryValidity;
        this.attrValidity = attrValidity;
        zip = new ZipFile(archive.toFile());
        modes = modes(archive);
        FileTime archiveTime = Files.getLastModifiedTime(archive);
        Node root = newNode(null, true, null, archiveTime);
        for (ZipEntry entry : Collections.list(zip.entries())) {
            add(root, entry, archiveTime);
        }
    }

    List<String> warnings() {
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

    @Override
    public void close() throws IOException {
        zip.close();
    }

    private Node newNode(@Nullable ZipEntry entry, boolean directory, @Nullable SymlinkTarget link, FileTime time) {
        Node node = new Node(nodes.size() + 1, new ZipEntry[] {entry}, directory ? new TreeMap<>() : null, link, time);
        nodes.add(node);
        return node;
    }

    private void add(Node root, ZipEntry entry, FileTime archiveTime) {
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
        Node directory = root;
        int directories = entry.isDirectory() ? path.size() : path.size() - 1;
        for (int i = 0; i < directories; i++) {
            Node child = directory.children().computeIfAbsent(path.get(i), name -> newNode(null, true, null, archiveTime));
            if (!child.isDirectory()) {
                warnings.add(entry.getName() + ": " + path.get(i) + " is a file and a directory");
                return;
            }
            directory = child;
        }
        if (entry.isDirectory()) {
            directory.entry()[0] = entry;
        } else if (path.isEmpty() || directory.children().get(path.getLast()) instanceof Node existing
                && existing.isDirectory()) {
            warnings.add(entry.getName() + ": not a file name, or a directory's");
        } else if (FileType.SYMLINK.matches(modes.getOrDefault(entry.getName(), 0))) {
            try (InputStream in = zip.getInputStream(entry)) {
                SymlinkTarget target = SymlinkTarget.of(in.readNBytes(4096));
                directory.children().put(path.getLast(), newNode(entry, false, target, archiveTime));
            } catch (IOException | ErrnoException e) {
                warnings.add(entry.getName() + ": not a symbolic link's target: " + e.getMessage());
            }
        } else {
            directory.children().put(path.getLast(), newNode(entry, false, null, archiveTime));
        }
    }

    private Node node(long nodeid) {
        if (nodeid < 1 || nodeid > nodes.size()) {
            throw new ErrnoException(Errno.ESTALE, "no node " + nodeid);
        }
        return nodes.get((int) (nodeid - 1));
    }

    private Node directory(long nodeid) {
        Node node = node(nodeid);
        if (!node.isDirectory()) {
            throw new ErrnoException(Errno.ENOTDIR);
        }
        return node;
    }

    private Attr attr(Node node) {
        ZipEntry entry = node.entry()[0];
        FileTime time = entry == null ? node.archiveTime() : entry.getLastModifiedTime();
        long seconds = time.toInstant().getEpochSecond();
        int nanos = time.toInstant().getNano();
        Integer mode = entry == null ? null : modes.get(entry.getName());
        Attr.Builder attr = Attr.builder().ino(node.nodeid()).atime(seconds, nanos).mtime(seconds, nanos)
                .ctime(seconds, nanos).nlink(1);
        int permissions = mode == null ? (node.isDirectory() ? 0555 : 0444) : mode & 07777;
        if (node.isDirectory()) {
            attr.nlink(2 + (int) node.children().values().stream().filter(Node::isDirectory).count());
        } else if (node.link() != null) {
            attr.size(node.link().length());
        } else {
            long size = Math.max(0, entry.getSize());
            attr.size(size).blocks((size + 511) / 512);
        }
        return attr.mode(node.type().modeBits() | permissions).build();
    }

    @Override
    public Entry lookup(Context ctx, long parent, FileName name) {
        Node child = directory(parent).children().get(name);
        return child == null ? Entry.negative(entryValidity) : new Entry(child.nodeid(), 0, attr(child),
                entryValidity, attrValidity);
    }

    @Override
    public AttrReply getattr(Context ctx, long nodeid) {
        return new AttrReply(attr(node(nodeid)), attrValidity);
    }

    @Override
    public SymlinkTarget readlink(Context ctx, long nodeid) {
        SymlinkTarget target = node(nodeid).link();
        if (target == null) {
            throw new ErrnoException(Errno.EINVAL);
        }
        return target;
    }

    @Override
    public StatFs statfs(Context ctx, long nodeid) {
        return new StatFs(0, 0, 0, 0, 0, 4096, 255, 4096);
    }

    /** One open file's stream, positioned where its last read ended. */
    private final class EntryReader {
        private final ZipEntry entry;
        private @Nullable InputStream in;
        private long position;

        EntryReader(ZipEntry entry) {
            this.entry = entry;
        }

        synchronized void read(long offset, int size, ByteBuf dst) {
            if (offset >= entry.getSize()) {
                return;
            }
            try {
                if (in == null || offset < position) {
                    close();
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
                close();
                throw new ErrnoException(Errno.EIO, "reading " + entry.getName() + ": " + e.getMessage());
            }
        }

        synchronized void close() {
            try (InputStream stream = in) {
                in = null;
            } catch (IOException ignored) {
                // a stream that was only read from: nothing is lost
            }
        }
    }

    @Override
    public OpenReply open(Context ctx, long nodeid, OpenFlags flags) {
        Node node = node(nodeid);
        if (node.type() != FileType.REGULAR) {
            throw new ErrnoException(node.isDirectory() ? Errno.EISDIR : Errno.ELOOP);
        }
        if (flags.canWrite() || flags.truncate()) {
            throw new ErrnoException(Errno.EROFS);
        }
        long fh = nextHandle.getAndIncrement();
        handles.put(fh, new EntryReader(node.entry()[0]));
        return new OpenReply(fh, OpenReply.KEEP_CACHE);
    }

    @Override
    public void read(Context ctx, ReadRequest request, ByteBuf dst) {
        if (!(handles.get(request.fh()) instanceof EntryReader reader)) {
            throw new ErrnoException(Errno.EBADF);
        }
        reader.read(request.offset(), request.size(), dst);
    }

    @Override
    public void flush(Context ctx, long nodeid, long fh, long lockOwner) {
    }

    @Override
    public void release(Context ctx, ReleaseRequest request) {
        if (handles.remove(request.fh()) instanceof EntryReader reader) {
            reader.close();
        }
    }

    @Override
    public OpenReply opendir(Context ctx, long nodeid, OpenFlags flags) {
        List<Map.Entry<FileName, Node>> listing = List.copyOf(directory(nodeid).children().entrySet());
        long fh = nextHandle.getAndIncrement();
        handles.put(fh, listing);
        return OpenReply.of(fh);
    }

    @Override
    public void readdir(Context ctx, long nodeid, long fh, long offset, DirectorySink sink) {
        if (!(handles.get(fh) instanceof List<?> listing)) {
            throw new ErrnoException(Errno.EBADF);
        }
        if (offset == 0 && !sink.add(FileName.DOT, 1, FileType.DIRECTORY, nodeid)) {
            return;
        }
        if (offset <= 1 && !sink.add(FileName.DOT_DOT, 2, FileType.DIRECTORY, nodeid)) {
            return;
        }
        for (long position = Math.max(offset, 2); position >= 0 && position - 2 < listing.size(); position++) {
            @SuppressWarnings("unchecked")
            Map.Entry<FileName, Node> entry = (Map.Entry<FileName, Node>) listing.get((int) (position - 2));
            if (!sink.add(entry.getKey(), position + 1, entry.getValue().type(), entry.getValue().nodeid())) {
                return;
            }
        }
    }

    @Override
    public void releasedir(Context ctx, ReleaseRequest request) {
        handles.remove(request.fh());
    }

    /** The served form: changes answer EROFS, as {@link ZipFs}'s nodes do. */
    FileSystem readOnly() {
        return new ReadOnlyFileSystem(this);
    }
}
