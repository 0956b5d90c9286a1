package io.virtiofs.examples.memfs;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.AccessMask;
import io.virtiofs.api.AttrReply;
import io.virtiofs.api.Capability;
import io.virtiofs.api.Context;
import io.virtiofs.api.CopyFileRangeRequest;
import io.virtiofs.api.CreateReply;
import io.virtiofs.api.DaxWindow;
import io.virtiofs.api.DirectoryPlusSink;
import io.virtiofs.api.DirectorySink;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FallocateRequest;
import io.virtiofs.api.FileLock;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.InitConfig;
import io.virtiofs.api.LockRequest;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.OpenReply;
import io.virtiofs.api.ReadRequest;
import io.virtiofs.api.ReleaseRequest;
import io.virtiofs.api.RenameFlags;
import io.virtiofs.api.SetattrRequest;
import io.virtiofs.api.SetupMappingRequest;
import io.virtiofs.api.StatFs;
import io.virtiofs.api.Statx;
import io.virtiofs.api.StatxReply;
import io.virtiofs.api.StatxRequest;
import io.virtiofs.api.SymlinkTarget;
import io.virtiofs.api.Whence;
import io.virtiofs.api.WriteRequest;
import io.virtiofs.api.XattrFlags;
import io.virtiofs.api.XattrName;
import java.time.Instant;
import java.util.List;

/**
 * memfs: a complete POSIX file system in memory, and the reference implementation of the
 * {@link FileSystem} SPI.
 *
 * <p><b>What it does.</b> Regular files (sparse: data in chunks of the block size, off the Java
 * heap, holes cost nothing), directories, symbolic links, hard links, fifos, sockets and device nodes, O_TMPFILE;
 * rename with RENAME_NOREPLACE and RENAME_EXCHANGE; extended attributes in the {@code user.},
 * {@code trusted.} and {@code security.} namespaces; nanosecond timestamps; ownership, set-group-ID
 * directories, umask, and permission checks (see {@link MemFsConfig#checkPermissions()});
 * capacity limits with {@code ENOSPC}; fallocate, lseek SEEK_DATA/SEEK_HOLE and copy_file_range;
 * POSIX record locks and flock locks, with waiting requests that the driver can interrupt;
 * readdir offsets that stay valid while a directory changes; readdirplus; statx with birth time.
 *
 * <p><b>DAX.</b> setupmapping maps a file's bytes into the window: the first mapping of a file moves
 * them from chunks into a memory file ({@link MappedFileData}), which memfs reads and writes from
 * then on and the window shows to the guest (removemapping keeps the SPI's default).
 *
 * <p><b>Not implemented</b> (answered {@code ENOSYS} by the SPI defaults): ioctl, poll and bmap.
 * Also not done: POSIX ACLs
 * ({@code system.*} xattrs answer {@code EOPNOTSUPP}), RENAME_WHITEOUT ({@code EINVAL}), deadlock
 * detection between lock owners. Only file data counts against the capacity, not names, symlink
 * targets or xattrs.
 *
 * <p><b>Threads.</b> Thread-safe, with no global lock on the data path: each node has its own
 * metadata lock, each file a read-write lock on its data, each directory a read-write lock on its
 * names (see {@link DirectoryInode} for the lock order). getattr reads an immutable
 * {@link AttrReply} published per node version: no lock, no allocation.
 *
 * <p><b>Life of nodes.</b> Nodeids and file handles are never reused. A node lives while it has a
 * name, a lookup the driver has not forgotten, or an open handle; then its memory and capacity
 * are given back. The root never goes away.
 */
public final class MemFs implements FileSystem {

    private final MemFsConfig config;
    private final Capacity capacity;
    private final InodeTable inodes;
    private final OpenFiles files = new OpenFiles();
    private final Permissions permissions;
    private final Namespace namespace;
    private final Rename renames;
    private final AttributeChange attributes;
    private final FileIo io;
    private final DirectoryListing listing;
    /** Whether O_DIRECT opens get FOPEN_DIRECT_IO: the driver accepted DIRECT_IO_ALLOW_MMAP. */
    private volatile boolean directOpensBypassCache;

    /** A memfs with {@link MemFsConfig#defaults()}. */
    public MemFs() {
        this(MemFsConfig.defaults());
    }

    public MemFs(MemFsConfig config) {
        this.config = config;
        this.capacity = new Capacity(config);
        this.inodes = new InodeTable(config, capacity);
        this.permissions = new Permissions(config.checkPermissions());
        this.namespace = new Namespace(inodes, capacity, permissions, config);
        this.renames = new Rename(inodes, permissions, config);
        this.attributes = new AttributeChange(inodes, permissions, config);
        this.io = new FileIo(files, permissions, config);
        this.listing = new DirectoryListing(inodes, config);
    }

    /** The configuration this memfs was made with. */
    public MemFsConfig config() {
        return config;
    }

    // ------------------------------------------------------------------ session

    /**
     * Asks for what memfs implements: record and flock locks, readdirplus (the driver chooses when)
     * unless names are not cached, O_TRUNC in open, umask applied here, lookups of "." and "..",
     * the kill-suidgid flags, immutable symlinks, security labels, supplementary groups, shared
     * mappings of files opened for direct I/O (O_DIRECT opens are, see {@link #open}); nanosecond
     * times. Declines writeback caching (memfs wants to see every write: O_APPEND,
     * capacity), POSIX ACLs and the first HANDLE_KILLPRIV.
     *
     * <p>Readdirplus hands the driver a node and attributes with each name, which it keeps for
     * the entry timeout; with an entry timeout of zero they are stale at once, so every listing
     * would only build and forget dentries and inodes (a 10,000-entry listing through a 1 MiB
     * buffer ran about three times slower): then plain readdir is asked for.
     */
    @Override
    public void init(InitConfig init) {
        for (Capability wanted : List.of(Capability.POSIX_LOCKS, Capability.FLOCK_LOCKS, Capability.ATOMIC_O_TRUNC,
                Capability.DONT_MASK, Capability.EXPORT_SUPPORT, Capability.HANDLE_KILLPRIV_V2, Capability.CACHE_SYMLINKS,
                Capability.SECURITY_CTX, Capability.CREATE_SUPP_GROUP, Capability.DIRECT_IO_ALLOW_MMAP)) {
            init.want(wanted);
        }
        List<Capability> readdirplus = List.of(Capability.DO_READDIRPLUS, Capability.READDIRPLUS_AUTO);
        if (config.entryTimeout().isZero()) {
            readdirplus.forEach(init::decline);
        } else {
            readdirplus.forEach(init::want);
        }
        for (Capability declined : List.of(Capability.WRITEBACK_CACHE, Capability.POSIX_ACL, Capability.HANDLE_KILLPRIV,
                Capability.NO_OPEN_SUPPORT, Capability.NO_OPENDIR_SUPPORT)) {
            init.decline(declined);
        }
        init.timeGranularity(1);
        directOpensBypassCache = init.accepted(Capability.DIRECT_IO_ALLOW_MMAP);
    }

    /**
     * The session ended: closes the handles it left open and drops every lock (their owners are
     * gone with the session). The files and their names stay for the next session.
     */
    @Override
    public void destroy() {
        files.forEach(open -> {
            try {
                files.close(open.fh(), open.inode().id());
            } catch (ErrnoException alreadyClosed) {
                return; // released concurrently
            }
            LockTable locks = open.inode().existingLocks();
            if (locks != null) {
                locks.releaseAll();
            }
            inodes.evictIfUnreachable(open.inode());
        });
    }

    // ------------------------------------------------------------------ names and nodes

    @Override
    public Entry lookup(Context ctx, long parent, FileName name) {
        return namespace.lookup(ctx, parent, name);
    }

    @Override
    public void forget(long nodeid, long nlookup) {
        inodes.forget(nodeid, nlookup);
    }

    @Override
    public AttrReply getattr(Context ctx, long nodeid) {
        return inodes.get(nodeid).attrReply();
    }

    @Override
    public AttrReply fgetattr(Context ctx, long nodeid, long fh) {
        return files.get(fh, nodeid).inode().attrReply();
    }

    @Override
    public AttrReply setattr(Context ctx, long nodeid, SetattrRequest request) {
        return attributes.setattr(ctx, nodeid, request);
    }

    @Override
    public SymlinkTarget readlink(Context ctx, long nodeid) {
        if (!(inodes.get(nodeid) instanceof SymlinkInode link)) {
            throw new ErrnoException(Errno.EINVAL, "node " + nodeid + " is not a symbolic link");
        }
        link.accessed(now(), config.atimePolicy());
        return link.target();
    }

    @Override
    public Entry symlink(Context ctx, long parent, FileName name, SymlinkTarget target) {
        return namespace.symlink(ctx, parent, name, target);
    }

    @Override
    public Entry mknod(Context ctx, long parent, FileName name, int mode, int rdev) {
        return namespace.mknod(ctx, parent, name, mode, rdev);
    }

    @Override
    public Entry mkdir(Context ctx, long parent, FileName name, int mode) {
        return namespace.mkdir(ctx, parent, name, mode);
    }

    @Override
    public void unlink(Context ctx, long parent, FileName name) {
        namespace.unlink(ctx, parent, name);
    }

    @Override
    public void rmdir(Context ctx, long parent, FileName name) {
        namespace.rmdir(ctx, parent, name);
    }

    @Override
    public void rename(Context ctx, long parent, FileName name, long newParent, FileName newName, RenameFlags flags) {
        renames.rename(ctx, parent, name, newParent, newName, flags);
    }

    @Override
    public Entry link(Context ctx, long nodeid, long newParent, FileName newName) {
        return namespace.link(ctx, nodeid, newParent, newName);
    }

    // ------------------------------------------------------------------ files

    @Override
    public OpenReply open(Context ctx, long nodeid, OpenFlags flags) {
        return fileOpened(io.open(ctx, inodes.get(nodeid), flags).fh(), flags);
    }

    /**
     * The reply to an open of a regular file. An O_DIRECT open asks for no caching, and gets
     * FOPEN_DIRECT_IO (with parallel direct writes), as libfuse's passthrough_hp answers it: the
     * driver then sends reads and writes straight to memfs. Without it, the driver's O_DIRECT path
     * goes through its page-cache code, which with AUTO_INVAL_DATA and an attribute timeout of 0
     * sends a GETATTR before every READ (two requests per 4 KiB read, BENCHMARKS.md). Only when
     * the driver maps such files shared (DIRECT_IO_ALLOW_MMAP, Linux 6.6+); an older one would
     * refuse mmap(MAP_SHARED) of them with ENODEV.
     */
    private OpenReply fileOpened(long fh, OpenFlags flags) {
        return directOpensBypassCache && flags.has(OpenFlags.O_DIRECT)
                ? new OpenReply(fh, OpenReply.DIRECT_IO | OpenReply.PARALLEL_DIRECT_WRITES)
                : OpenReply.of(fh);
    }

    /**
     * FUSE_CREATE: creates a regular file and opens it; if the name exists and O_EXCL is not set,
     * opens what is there (as {@code open(O_CREAT)} does), else {@code EEXIST}.
     */
    @Override
    public CreateReply create(Context ctx, long parent, FileName name, int mode, OpenFlags flags) {
        FileInode created;
        try {
            created = namespace.createFile(ctx, parent, name, mode);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EEXIST || flags.has(OpenFlags.O_EXCL)) {
                throw e;
            }
            Entry existing = namespace.lookup(ctx, parent, name);
            try {
                Inode inode = inodes.get(existing.nodeid());
                if (inode instanceof DirectoryInode) {
                    throw new ErrnoException(Errno.EISDIR, name + " is a directory (O_CREAT)");
                }
                OpenFile open = io.open(ctx, inode, flags);
                return new CreateReply(existing, fileOpened(open.fh(), flags));
            } catch (RuntimeException openFailed) {
                forget(existing.nodeid(), 1);
                throw openFailed;
            }
        }
        OpenFile open = files.open(created, flags);
        return new CreateReply(created.entry(), fileOpened(open.fh(), flags));
    }

    @Override
    public void read(Context ctx, ReadRequest request, ByteBuf dst) {
        io.read(ctx, request, dst);
    }

    @Override
    public void setupmapping(Context ctx, SetupMappingRequest request, DaxWindow window) {
        io.setupmapping(inodes.get(request.nodeid()), request, window);
    }

    @Override
    public int write(Context ctx, WriteRequest request, ByteBuf data) {
        return io.write(ctx, request, data);
    }

    /** A close of one descriptor: drops the record locks of {@code lockOwner}, as POSIX requires. */
    @Override
    public void flush(Context ctx, long nodeid, long fh, long lockOwner) {
        LockTable locks = files.get(fh, nodeid).inode().existingLocks();
        if (locks != null) {
            locks.releaseRecords(lockOwner);
        }
    }

    @Override
    public void release(Context ctx, ReleaseRequest request) {
        closeHandle(request.fh(), request.nodeid(), request.flush(), request.flockUnlock(), request.lockOwner());
    }

    /** Nothing to make durable: succeeds when the handle is open. */
    @Override
    public void fsync(Context ctx, long nodeid, long fh, boolean datasync) {
        files.get(fh, nodeid);
    }

    @Override
    public void fallocate(Context ctx, FallocateRequest request) {
        io.fallocate(ctx, request);
    }

    @Override
    public long lseek(Context ctx, long nodeid, long fh, long offset, Whence whence) {
        return io.lseek(nodeid, fh, offset, whence);
    }

    @Override
    public long copyFileRange(Context ctx, CopyFileRangeRequest request) {
        return io.copyFileRange(ctx, request);
    }

    // ------------------------------------------------------------------ locks

    @Override
    public FileLock getlk(Context ctx, LockRequest request) {
        return files.get(request.fh(), request.nodeid()).inode().locks().test(request);
    }

    @Override
    public void setlk(Context ctx, LockRequest request) {
        int pid = request.lock().pid() != 0 ? request.lock().pid() : ctx.pid();
        files.get(request.fh(), request.nodeid()).inode().locks().set(ctx, request, pid);
    }

    // ------------------------------------------------------------------ directories

    /** FUSE_OPENDIR: needs read permission; the handle keeps a removed directory alive. */
    @Override
    public OpenReply opendir(Context ctx, long nodeid, OpenFlags flags) {
        DirectoryInode dir = inodes.directory(nodeid);
        permissions.check(ctx, dir, AccessMask.R_OK);
        return OpenReply.of(files.open(dir, flags).fh());
    }

    @Override
    public void readdir(Context ctx, long nodeid, long fh, long offset, DirectorySink sink) {
        listing.readdir(nodeid, offset, sink);
    }

    @Override
    public void readdirplus(Context ctx, long nodeid, long fh, long offset, DirectoryPlusSink sink) {
        listing.readdirplus(nodeid, offset, sink);
    }

    @Override
    public void releasedir(Context ctx, ReleaseRequest request) {
        closeHandle(request.fh(), request.nodeid(), false, false, 0);
    }

    @Override
    public void fsyncdir(Context ctx, long nodeid, long fh, boolean datasync) {
        inodes.directory(nodeid);
    }

    // ------------------------------------------------------------------ extended attributes

    @Override
    public void setxattr(Context ctx, long nodeid, XattrName name, byte[] value, XattrFlags flags) {
        Inode inode = inodes.get(nodeid);
        XattrNamespace.of(name).checkWrite(ctx, inode, permissions);
        byte[] copy = value.clone();
        Instant now = now();
        inode.lockMeta();
        try {
            inode.xattrsLocked().set(name, copy, flags);
            inode.setCtimeLocked(now);
            inode.publishLocked();
        } finally {
            inode.unlockMeta();
        }
    }

    @Override
    public byte[] getxattr(Context ctx, long nodeid, XattrName name) {
        Inode inode = inodes.get(nodeid);
        XattrNamespace.of(name).checkRead(ctx, inode, permissions);
        inode.lockMeta();
        try {
            Xattrs xattrs = inode.existingXattrsLocked();
            byte[] value = xattrs == null ? null : xattrs.get(name);
            if (value == null) {
                throw new ErrnoException(Errno.ENODATA, "no xattr " + name + " on " + inode);
            }
            return value.clone();
        } finally {
            inode.unlockMeta();
        }
    }

    @Override
    public List<XattrName> listxattr(Context ctx, long nodeid) {
        Inode inode = inodes.get(nodeid);
        inode.lockMeta();
        try {
            Xattrs xattrs = inode.existingXattrsLocked();
            if (xattrs == null) {
                return List.of();
            }
            return xattrs.names().stream().filter(name -> XattrNamespace.isListedFor(ctx, name, permissions)).toList();
        } finally {
            inode.unlockMeta();
        }
    }

    @Override
    public void removexattr(Context ctx, long nodeid, XattrName name) {
        Inode inode = inodes.get(nodeid);
        XattrNamespace.of(name).checkWrite(ctx, inode, permissions);
        Instant now = now();
        inode.lockMeta();
        try {
            Xattrs xattrs = inode.existingXattrsLocked();
            if (xattrs == null) {
                throw new ErrnoException(Errno.ENODATA, "no xattr " + name + " on " + inode);
            }
            xattrs.remove(name);
            inode.setCtimeLocked(now);
            inode.publishLocked();
        } finally {
            inode.unlockMeta();
        }
    }

    // ------------------------------------------------------------------ the file system

    @Override
    public StatFs statfs(Context ctx, long nodeid) {
        return capacity.statfs();
    }

    /** FUSE_ACCESS: F_OK checks existence; other bits the caller's rights (when checks are on). */
    @Override
    public void access(Context ctx, long nodeid, AccessMask mask) {
        permissions.check(ctx, inodes.get(nodeid), mask.permissionBits());
    }

    @Override
    public void syncfs(Context ctx, long nodeid) {
    }

    /** FUSE_TMPFILE: a nameless regular file, open; linkable unless O_EXCL. */
    @Override
    public CreateReply tmpfile(Context ctx, long parent, int mode, OpenFlags flags) {
        if (!flags.canWrite()) {
            throw new ErrnoException(Errno.EINVAL, "O_TMPFILE needs O_WRONLY or O_RDWR");
        }
        FileInode file = namespace.tmpfile(ctx, parent, mode, !flags.has(OpenFlags.O_EXCL));
        OpenFile open = files.open(file, flags);
        return new CreateReply(file.entry(), fileOpened(open.fh(), flags));
    }

    @Override
    public StatxReply statx(Context ctx, StatxRequest request) {
        Inode inode = request.hasFh() ? files.get(request.fh(), request.nodeid()).inode() : inodes.get(request.nodeid());
        AttrReply reply = inode.attrReply();
        Statx statx = Statx.fromAttr(reply.attr(), inode.btime().getEpochSecond(), inode.btime().getNano(), true);
        return new StatxReply(statx, reply.validity());
    }

    // ------------------------------------------------------------------ internals

    /** Closes a handle, drops the locks the close asks to drop, and frees the node if unreachable. */
    private void closeHandle(long fh, long nodeid, boolean dropRecordLocks, boolean dropFlock, long lockOwner) {
        OpenFile open = files.close(fh, nodeid);
        Inode inode = open.inode();
        LockTable locks = inode.existingLocks();
        if (locks != null) {
            if (dropRecordLocks) {
                locks.releaseRecords(lockOwner);
            }
            if (dropFlock) {
                locks.releaseFlock(lockOwner);
            }
        }
        inodes.evictIfUnreachable(inode);
    }

    private Instant now() {
        return config.clock().instant();
    }
}
