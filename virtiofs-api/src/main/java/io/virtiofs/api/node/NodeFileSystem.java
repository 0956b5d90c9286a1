package io.virtiofs.api.node;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Attr;
import io.virtiofs.api.AttrReply;
import io.virtiofs.api.Capability;
import io.virtiofs.api.Context;
import io.virtiofs.api.CreateReply;
import io.virtiofs.api.DirectoryPlusSink;
import io.virtiofs.api.DirectorySink;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.FileType;
import io.virtiofs.api.InitConfig;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.OpenReply;
import io.virtiofs.api.ReadRequest;
import io.virtiofs.api.ReleaseRequest;
import io.virtiofs.api.RenameFlags;
import io.virtiofs.api.SetattrRequest;
import io.virtiofs.api.StatFs;
import io.virtiofs.api.SymlinkTarget;
import io.virtiofs.api.WriteRequest;
import io.virtiofs.api.XattrFlags;
import io.virtiofs.api.XattrName;
import io.virtiofs.api.node.OpenHandles.OpenDirectory;
import io.virtiofs.api.node.OpenHandles.OpenFile;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Serves a tree of {@link Node}s as a {@link FileSystem}: the node layer's adapter.
 *
 * <p>It owns what the full SPI leaves to a file system: nodeids (each node's {@link Node#id()},
 * the root's 1), the lookups the driver holds of each node (counted for every entry handed out,
 * given back by FORGET and BATCH_FORGET; a node forgotten to zero is unknown until looked up
 * again, and requests naming it meanwhile answer {@code ESTALE}), open file and directory handles
 * (numbers of its own, never reused, {@code EBADF} for any other), and directory offsets (a
 * listing taken at opendir and read by position, so an offset names the same entry for as long
 * as the directory is open).
 *
 * <p>Operations no node type carries answer as the {@link FileSystem} defaults do
 * ({@code ENOSYS}); mknod and link among them.
 */
public final class NodeFileSystem implements FileSystem {

    private static final Duration DEFAULT_VALIDITY = Duration.ofSeconds(1);

    private final NodeTable nodes;
    private final OpenHandles handles = new OpenHandles();
    private final Duration entryValidity;
    private final Duration attrValidity;
    private final long startSeconds;
    private final int startNanos;

    /** Serves the tree under {@code root}; the driver caches names and attributes for a second. */
    public NodeFileSystem(DirectoryNode root) {
        this(root, DEFAULT_VALIDITY, DEFAULT_VALIDITY);
    }

    /**
     * Serves the tree under {@code root}.
     *
     * @param entryValidity how long the driver may cache a name (and the absence of one)
     * @param attrValidity how long it may cache attributes
     */
    public NodeFileSystem(DirectoryNode root, Duration entryValidity, Duration attrValidity) {
        this.nodes = new NodeTable(Objects.requireNonNull(root, "root"));
        this.entryValidity = checkValidity("entryValidity", entryValidity);
        this.attrValidity = checkValidity("attrValidity", attrValidity);
        Instant now = Instant.now();
        this.startSeconds = now.getEpochSecond();
        this.startNanos = now.getNano();
    }

    private static Duration checkValidity(String what, Duration validity) {
        if (validity.isNegative()) {
            throw new IllegalArgumentException(what + " " + validity + " is negative");
        }
        return validity;
    }

    /** The root of the tree served. */
    public DirectoryNode root() {
        return nodes.root();
    }

    // ------------------------------------------------------------------ what the library keeps (for tests)

    /** The lookups the driver holds of {@code node} (0 when none; the root's are not counted). */
    long lookups(Node node) {
        return nodes.lookups(nodes.nodeid(node));
    }

    /** The nodes the driver holds besides the root. */
    int heldNodes() {
        return nodes.size();
    }

    /** The files and directories open. */
    int openHandles() {
        return handles.size();
    }

    // ------------------------------------------------------------------ nodes and attributes

    private Attr attr(Context ctx, Node node) {
        FileType type = node.type();
        int permissions = switch (type) {
            case DIRECTORY -> 0755;
            case SYMLINK -> 0777;
            default -> 0644;
        };
        Attr.Builder builder = Attr.builder().ino(node.id()).mode(permissions).nlink(type == FileType.DIRECTORY ? 2 : 1)
                .atime(startSeconds, startNanos).mtime(startSeconds, startNanos).ctime(startSeconds, startNanos);
        node.getattr(ctx, builder);
        Attr attr = builder.build();
        int mode = (attr.mode() & ~FileType.S_IFMT) | type.modeBits();
        long blocks = attr.blocks() == 0 ? (attr.size() + 511) / 512 : attr.blocks();
        return mode == attr.mode() && blocks == attr.blocks() ? attr : attr.toBuilder().mode(mode).blocks(blocks).build();
    }

    /** An entry for {@code node}, counting one lookup (the attributes first: they may fail). */
    private Entry entry(Context ctx, Node node) {
        Attr attr = attr(ctx, node);
        return new Entry(nodes.countLookup(node), 0, attr, entryValidity, attrValidity);
    }

    /** An entry for {@code child}, found in or made in {@code directory}. */
    private Entry entry(Context ctx, DirectoryNode directory, Node child) {
        if (child != nodes.root() && child != directory) {
            child.parent(directory);
        }
        return entry(ctx, child);
    }

    private DirectoryNode directory(long nodeid) {
        if (nodes.node(nodeid) instanceof DirectoryNode directory) {
            return directory;
        }
        throw new ErrnoException(Errno.ENOTDIR, "node " + nodeid + " is not a directory");
    }

    /**
     * Asks for READDIRPLUS, the driver choosing when to use it, unless names are not cached (then
     * the entries a listing hands out would go unused): one listing then answers the lookups and
     * attribute requests of an {@code ls -l} too. Wrap this file system in a
     * {@link io.virtiofs.api.ForwardingFileSystem} to negotiate otherwise.
     */
    @Override
    public void init(InitConfig config) {
        if (!entryValidity.isZero()) {
            config.want(Capability.DO_READDIRPLUS).want(Capability.READDIRPLUS_AUTO);
        }
    }

    @Override
    public void destroy() {
        nodes.clear();
        handles.clear();
    }

    @Override
    public Entry lookup(Context ctx, long parent, FileName name) {
        DirectoryNode directory = directory(parent);
        if (name.isDotOrDotDot()) { // only with NFS export; ".." as far as the library knows it
            Node found = name.equals(FileName.DOT) || directory == nodes.root() ? directory : directory.parent();
            if (found == null) {
                throw new ErrnoException(Errno.ENOENT, "the parent of directory " + parent + " is not known");
            }
            return entry(ctx, found);
        }
        Node found = directory.lookup(ctx, name);
        return found == null ? Entry.negative(entryValidity) : entry(ctx, directory, found);
    }

    @Override
    public void forget(long nodeid, long nlookup) {
        nodes.forget(nodeid, nlookup);
    }

    @Override
    public AttrReply getattr(Context ctx, long nodeid) {
        return new AttrReply(attr(ctx, nodes.node(nodeid)), attrValidity);
    }

    @Override
    public AttrReply setattr(Context ctx, long nodeid, SetattrRequest request) {
        Node node = nodes.node(nodeid);
        node.setattr(ctx, request);
        return new AttrReply(attr(ctx, node), attrValidity);
    }

    @Override
    public SymlinkTarget readlink(Context ctx, long nodeid) {
        if (nodes.node(nodeid) instanceof SymlinkNode link) {
            return link.readlink(ctx);
        }
        throw new ErrnoException(Errno.EINVAL, "readlink: node " + nodeid + " is not a symbolic link");
    }

    @Override
    public StatFs statfs(Context ctx, long nodeid) {
        return nodes.node(nodeid).statfs(ctx);
    }

    // ------------------------------------------------------------------ changes to directories

    @Override
    public Entry mkdir(Context ctx, long parent, FileName name, int mode) {
        DirectoryNode directory = directory(parent);
        return entry(ctx, directory, directory.mkdir(ctx, name, mode));
    }

    @Override
    public Entry symlink(Context ctx, long parent, FileName name, SymlinkTarget target) {
        DirectoryNode directory = directory(parent);
        return entry(ctx, directory, directory.symlink(ctx, name, target));
    }

    @Override
    public CreateReply create(Context ctx, long parent, FileName name, int mode, OpenFlags flags) {
        DirectoryNode directory = directory(parent);
        FileNode file = directory.create(ctx, name, mode, flags);
        file.parent(directory);
        Attr attr = attr(ctx, file); // what may fail first, then the handle, then the count
        OpenReply open = open(file, file.open(ctx, flags));
        return new CreateReply(new Entry(nodes.countLookup(file), 0, attr, entryValidity, attrValidity), open);
    }

    @Override
    public void unlink(Context ctx, long parent, FileName name) {
        directory(parent).unlink(ctx, name);
    }

    @Override
    public void rmdir(Context ctx, long parent, FileName name) {
        directory(parent).rmdir(ctx, name);
    }

    @Override
    public void rename(Context ctx, long parent, FileName name, long newParent, FileName newName, RenameFlags flags) {
        directory(parent).rename(ctx, name, directory(newParent), newName, flags);
    }

    // ------------------------------------------------------------------ files

    private OpenReply open(FileNode file, @Nullable FileHandle handle) {
        int flags = handle == null ? file.openReplyFlags() : handle.openReplyFlags();
        return new OpenReply(handles.add(new OpenFile(file, handle)), flags);
    }

    private OpenFile openFile(long nodeid, long fh) {
        OpenFile file = handles.get(fh, OpenFile.class);
        if (nodes.nodeid(file.node()) != nodeid) {
            throw new ErrnoException(Errno.EBADF, "handle " + fh + " is open on node " + file.node().id() + ", not " + nodeid);
        }
        return file;
    }

    @Override
    public OpenReply open(Context ctx, long nodeid, OpenFlags flags) {
        Node node = nodes.node(nodeid);
        if (node instanceof FileNode file) {
            return open(file, file.open(ctx, flags));
        }
        throw new ErrnoException(node.type() == FileType.DIRECTORY ? Errno.EISDIR : Errno.ENXIO,
                "open: node " + nodeid + " is a " + node.type());
    }

    @Override
    public void read(Context ctx, ReadRequest request, ByteBuf dst) {
        OpenFile file = openFile(request.nodeid(), request.fh());
        FileHandle handle = file.handle();
        if (handle != null) {
            handle.read(ctx, request.offset(), request.size(), dst);
        } else {
            file.node().read(ctx, request.offset(), request.size(), dst);
        }
    }

    @Override
    public int write(Context ctx, WriteRequest request, ByteBuf data) {
        OpenFile file = openFile(request.nodeid(), request.fh());
        FileHandle handle = file.handle();
        return handle != null ? handle.write(ctx, request.offset(), data) : file.node().write(ctx, request.offset(), data);
    }

    @Override
    public void flush(Context ctx, long nodeid, long fh, long lockOwner) {
        FileHandle handle = openFile(nodeid, fh).handle();
        if (handle != null) {
            handle.flush(ctx);
        }
    }

    @Override
    public void fsync(Context ctx, long nodeid, long fh, boolean datasync) {
        FileHandle handle = openFile(nodeid, fh).handle();
        if (handle != null) {
            handle.fsync(ctx, datasync);
        }
    }

    @Override
    public void release(Context ctx, ReleaseRequest request) {
        OpenFile file = handles.remove(request.fh(), OpenFile.class);
        FileHandle handle = file == null ? null : file.handle();
        if (handle != null) {
            handle.release(ctx);
        }
    }

    // ------------------------------------------------------------------ directories

    @Override
    public OpenReply opendir(Context ctx, long nodeid, OpenFlags flags) {
        DirectoryNode directory = directory(nodeid);
        List<NamedNode> entries = List.copyOf(directory.list(ctx));
        return OpenReply.of(handles.add(new OpenDirectory(directory, entries)));
    }

    private OpenDirectory openDirectory(long nodeid, long fh) {
        OpenDirectory open = handles.get(fh, OpenDirectory.class);
        if (nodes.nodeid(open.directory()) != nodeid) {
            throw new ErrnoException(Errno.EBADF, "handle " + fh + " is open on another directory than " + nodeid);
        }
        return open;
    }

    /** Offsets: 0 the start, 1 after ".", 2 after "..", 2 + i + 1 after the listing's entry i. */
    @Override
    public void readdir(Context ctx, long nodeid, long fh, long offset, DirectorySink sink) {
        OpenDirectory open = openDirectory(nodeid, fh);
        DirectoryNode directory = open.directory();
        if (offset == 0 && !sink.add(FileName.DOT, 1, FileType.DIRECTORY, directory.id())) {
            return;
        }
        if (offset <= 1 && !sink.add(FileName.DOT_DOT, 2, FileType.DIRECTORY, parentIno(directory))) {
            return;
        }
        List<NamedNode> entries = open.entries();
        for (long position = Math.max(offset, 2); position - 2 < entries.size() && position >= 0; position++) {
            NamedNode entry = entries.get((int) (position - 2));
            if (!sink.add(entry.name(), position + 1, entry.node().type(), entry.node().id())) {
                return;
            }
        }
    }

    private long parentIno(DirectoryNode directory) {
        DirectoryNode parent = directory == nodes.root() ? null : directory.parent();
        return (parent == null ? directory : parent).id();
    }

    @Override
    public void readdirplus(Context ctx, long nodeid, long fh, long offset, DirectoryPlusSink sink) {
        OpenDirectory open = openDirectory(nodeid, fh);
        DirectoryNode directory = open.directory();
        // "." and ".." are not counted and the driver ignores their attributes: names only.
        Entry nameOnly = Entry.negative(Duration.ZERO);
        if (offset == 0 && !sink.add(FileName.DOT, 1, nameOnly)) {
            return;
        }
        if (offset <= 1 && !sink.add(FileName.DOT_DOT, 2, nameOnly)) {
            return;
        }
        List<NamedNode> entries = open.entries();
        for (long position = Math.max(offset, 2); position - 2 < entries.size() && position >= 0; position++) {
            NamedNode named = entries.get((int) (position - 2));
            Entry entry = entry(ctx, directory, named.node());
            if (!sink.add(named.name(), position + 1, entry)) {
                nodes.forget(entry.nodeid(), 1); // not handed out after all
                return;
            }
        }
    }

    @Override
    public void releasedir(Context ctx, ReleaseRequest request) {
        handles.remove(request.fh(), OpenDirectory.class);
    }

    // ------------------------------------------------------------------ extended attributes

    @Override
    public byte[] getxattr(Context ctx, long nodeid, XattrName name) {
        return nodes.node(nodeid).getxattr(ctx, name);
    }

    @Override
    public List<XattrName> listxattr(Context ctx, long nodeid) {
        return nodes.node(nodeid).listxattr(ctx);
    }

    @Override
    public void setxattr(Context ctx, long nodeid, XattrName name, byte[] value, XattrFlags flags) {
        nodes.node(nodeid).setxattr(ctx, name, value, flags);
    }

    @Override
    public void removexattr(Context ctx, long nodeid, XattrName name) {
        nodes.node(nodeid).removexattr(ctx, name);
    }
}
