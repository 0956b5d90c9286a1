package io.virtiofs.passthrough;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.AccessMask;
import io.virtiofs.api.AttrReply;
import io.virtiofs.api.Capability;
import io.virtiofs.api.Context;
import io.virtiofs.api.CopyFileRangeRequest;
import io.virtiofs.api.CreateReply;
import io.virtiofs.api.DirectoryPlusSink;
import io.virtiofs.api.DirectorySink;
import io.virtiofs.api.Entry;
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
import io.virtiofs.api.StatFs;
import io.virtiofs.api.StatxReply;
import io.virtiofs.api.StatxRequest;
import io.virtiofs.api.SymlinkTarget;
import io.virtiofs.api.Whence;
import io.virtiofs.api.WriteRequest;
import io.virtiofs.api.XattrFlags;
import io.virtiofs.api.XattrName;
import io.virtiofs.transport.internal.nativeio.CredentialCalls;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.IdentityCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.NodeCalls;
import io.virtiofs.transport.internal.nativeio.ProcessCalls;
import java.io.IOException;
import java.util.List;

/**
 * A host directory shared through the {@link FileSystem} SPI: what virtiofsd serves, as a library.
 *
 * <p><b>Confinement.</b> Each node holds an {@code O_PATH} descriptor (or, with
 * {@link FileHandlePolicy file handles}, a handle); every name is resolved one component at a
 * time relative to its parent's descriptor with {@code openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS)}, and no path from the shared directory's root ever
 * reaches the host kernel, so symbolic links, {@code ..} and renames racing with requests cannot
 * lead outside the shared directory. Regular files and directories are opened again through their
 * descriptor's {@code /proc/self/fd} name; a fifo, socket or device node is created on request
 * but never opened on the host (CVE-2020-35517). A guest names only nodes it was given: any other
 * nodeid is ESTALE, any other handle EBADF.
 *
 * <p><b>Identity.</b> When the process runs as root, each request that checks permissions or makes
 * a node runs as its caller on the serving thread (see {@link PassthroughConfig#credentials()}),
 * so the host kernel decides as for a local caller and new nodes get the caller's owner, group
 * and umask. Ids translate between guest and host as {@link IdTranslation} says. Set-user-ID,
 * set-group-ID and {@code security.capability} are cleared on write, truncate and chown when the
 * guest asks (FUSE_HANDLE_KILLPRIV_V2).
 *
 * <p><b>Nodes.</b> A host inode (device, inode number, mount) is one node however many names it
 * has, and keeps its nodeid across renames. Its descriptor closes when the guest forgets it and no
 * request uses it. The descriptors held are capped ({@link PassthroughConfig#maxOpenFiles()}): past
 * the cap a request answers ENFILE.
 *
 * <p><b>Operations.</b> Everything memfs answers: lookup, getattr, setattr (mode, owner, size
 * through a handle or a path, times with UTIME_NOW and UTIME_OMIT), readlink, symlink, mknod,
 * mkdir, unlink, rmdir, rename (NOREPLACE, EXCHANGE, WHITEOUT as the host allows), link, open,
 * create, tmpfile, read and write (straight between host file and guest memory), flush, release,
 * fsync, fdatasync, fallocate, lseek (SEEK_DATA, SEEK_HOLE), copy_file_range, POSIX and flock
 * locks, opendir, readdir, readdirplus (host offsets), releasedir, fsyncdir, xattrs, statfs,
 * access, syncfs, statx. Not implemented (ENOSYS): ioctl, poll, bmap and DAX mappings.
 *
 * <p><b>Threads.</b> Thread-safe. Requests must run on platform threads (a virtual thread cannot
 * carry its own credentials and umask); lock requests, which wait, may run on virtual threads.
 */
public final class PassthroughFileSystem implements FileSystem, AutoCloseable {

    /** Descriptors left to the rest of the process when the cap follows the open file limit. */
    private static final int RESERVED_DESCRIPTORS = 512;

    private final PassthroughConfig config;
    private final Share share;
    private final NamespaceOps names;
    private final AttributeOps attributes;
    private final FileOps files;
    private final DirectoryOps directories;
    private final XattrOps xattrs;
    private final LockOps locks;

    /**
     * Opens the shared directory.
     *
     * @throws IOException when it cannot be opened (missing, not a directory, no permission)
     * @throws IllegalArgumentException when the configuration asks for what this process cannot do
     *     (carrying requests out as their callers without root)
     */
    public PassthroughFileSystem(PassthroughConfig config) throws IOException {
        this.config = config;
        boolean root = IdentityCalls.geteuid() == 0;
        boolean switching = config.credentials().orElse(root && CredentialCalls.supported());
        if (switching && !root) {
            throw new IllegalArgumentException("carrying requests out as their callers needs root; this process runs as uid "
                    + IdentityCalls.geteuid());
        }
        int rootFd = FileCalls.open(config.sharedDirectory().toString(),
                NodeCalls.O_PATH | NodeCalls.O_DIRECTORY | NodeCalls.O_CLOEXEC, 0);
        int procFd = -1;
        try {
            procFd = FileCalls.open("/proc/self/fd", FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, 0);
            DescriptorBudget budget = new DescriptorBudget(descriptorLimit(config));
            NodeTable nodes = new NodeTable(rootFd, config.fileHandles(), budget, procFd, root);
            Attributes attrs = new Attributes(config.uids(), config.gids(), config.cache().timeout(),
                    config.announceSubmounts(), nodes.root().key.mountId());
            CallerIdentity identity = new CallerIdentity(switching, config.uids(), config.gids(), procFd);
            this.share = new Share(config, nodes, new OpenFiles(), identity, attrs, budget, procFd);
        } catch (IOException | RuntimeException e) {
            NodeTable.closeQuietly(rootFd);
            if (procFd >= 0) {
                NodeTable.closeQuietly(procFd);
            }
            throw e;
        }
        this.xattrs = new XattrOps(share);
        this.names = new NamespaceOps(share, xattrs);
        this.attributes = new AttributeOps(share, xattrs);
        this.locks = new LockOps(share);
        this.files = new FileOps(share, xattrs, names, locks);
        this.directories = new DirectoryOps(share);
    }

    private static int descriptorLimit(PassthroughConfig config) throws NativeException {
        if (config.maxOpenFiles() > 0) {
            return config.maxOpenFiles();
        }
        long soft = ProcessCalls.openFileLimit().soft();
        long usable = soft < 0 || soft > 1_000_000 ? 1_000_000 : soft;
        return (int) Math.max(64, usable - Math.min(RESERVED_DESCRIPTORS, usable / 4));
    }

    /** The configuration this file system was made with. */
    public PassthroughConfig config() {
        return config;
    }

    /** Whether requests are carried out as their caller (the process runs as root). */
    public boolean carriesOutAsCaller() {
        return share.identity.switching();
    }

    /** The nodes held now (the root included), for diagnostics and tests. */
    public int nodeCount() {
        return share.nodes.size();
    }

    /** The host descriptors held now (nodes, handles, lock owners), and the cap on them. */
    public int descriptorsHeld() {
        return share.budget.held();
    }

    /** The cap on host descriptors held. */
    public int descriptorLimit() {
        return share.budget.limit();
    }

    // ------------------------------------------------------------------ session

    /**
     * Asks for what the configuration offers: locks, readdirplus (unless nothing is cached),
     * KILLPRIV_V2, submounts, POSIX ACLs with the umask applied here, security labels, the
     * caller's supplementary group on creation, O_TRUNC in open, symlink caching; writeback only
     * when configured; nanosecond times.
     */
    @Override
    public void init(InitConfig init) {
        setWanted(init, Capability.ATOMIC_O_TRUNC, true);
        setWanted(init, Capability.CREATE_SUPP_GROUP, share.identity.switching());
        setWanted(init, Capability.POSIX_LOCKS, config.posixLocks());
        setWanted(init, Capability.FLOCK_LOCKS, config.flockLocks());
        setWanted(init, Capability.DO_READDIRPLUS, config.offersReaddirplus());
        setWanted(init, Capability.READDIRPLUS_AUTO, config.offersReaddirplus());
        setWanted(init, Capability.HANDLE_KILLPRIV_V2, config.killPrivV2());
        setWanted(init, Capability.SUBMOUNTS, config.announceSubmounts());
        setWanted(init, Capability.POSIX_ACL, config.posixAcls());
        setWanted(init, Capability.DONT_MASK, config.posixAcls());
        setWanted(init, Capability.SECURITY_CTX, config.securityLabel());
        setWanted(init, Capability.CACHE_SYMLINKS, config.cache() != CachePolicy.NEVER);
        setWanted(init, Capability.AUTO_INVAL_DATA, config.cache() == CachePolicy.AUTO);
        setWanted(init, Capability.WRITEBACK_CACHE, config.writeback());
        for (Capability declined : List.of(Capability.HANDLE_KILLPRIV, Capability.NO_OPEN_SUPPORT,
                Capability.NO_OPENDIR_SUPPORT, Capability.EXPORT_SUPPORT, Capability.EXPLICIT_INVAL_DATA)) {
            init.decline(declined);
        }
        init.timeGranularity(1);
        share.identity.applyUmask(init.accepted(Capability.DONT_MASK));
    }

    private static void setWanted(InitConfig init, Capability capability, boolean wanted) {
        if (wanted) {
            init.want(capability);
        } else {
            init.decline(capability);
        }
    }

    /** The session ended: every handle it left open is closed (locks with them). */
    @Override
    public void destroy() {
        share.files.forEach(file -> {
            try {
                share.files.remove(file.fh, file.node.nodeid);
            } catch (ErrnoException released) {
                // Released concurrently.
            }
        });
    }

    /** Closes the shared directory and {@code /proc/self/fd} (after the session ended). */
    @Override
    public void close() {
        destroy();
        share.nodes.close();
        NodeTable.closeQuietly(share.procFd);
    }

    // ------------------------------------------------------------------ names and nodes

    @Override
    public Entry lookup(Context ctx, long parent, FileName name) {
        return names.lookup(ctx, parent, name);
    }

    @Override
    public void forget(long nodeid, long nlookup) {
        share.nodes.forget(nodeid, nlookup);
    }

    @Override
    public AttrReply getattr(Context ctx, long nodeid) {
        return attributes.getattr(nodeid);
    }

    @Override
    public AttrReply fgetattr(Context ctx, long nodeid, long fh) {
        return attributes.fgetattr(nodeid, fh);
    }

    @Override
    public AttrReply setattr(Context ctx, long nodeid, SetattrRequest request) {
        return attributes.setattr(ctx, nodeid, request);
    }

    @Override
    public SymlinkTarget readlink(Context ctx, long nodeid) {
        return attributes.readlink(nodeid);
    }

    @Override
    public Entry symlink(Context ctx, long parent, FileName name, SymlinkTarget target) {
        return names.symlink(ctx, parent, name, target);
    }

    @Override
    public Entry mknod(Context ctx, long parent, FileName name, int mode, int rdev) {
        return names.mknod(ctx, parent, name, mode, rdev);
    }

    @Override
    public Entry mkdir(Context ctx, long parent, FileName name, int mode) {
        return names.mkdir(ctx, parent, name, mode);
    }

    @Override
    public void unlink(Context ctx, long parent, FileName name) {
        names.unlink(ctx, parent, name);
    }

    @Override
    public void rmdir(Context ctx, long parent, FileName name) {
        names.rmdir(ctx, parent, name);
    }

    @Override
    public void rename(Context ctx, long parent, FileName name, long newParent, FileName newName, RenameFlags flags) {
        names.rename(ctx, parent, name, newParent, newName, flags);
    }

    @Override
    public Entry link(Context ctx, long nodeid, long newParent, FileName newName) {
        return names.link(ctx, nodeid, newParent, newName);
    }

    // ------------------------------------------------------------------ files

    @Override
    public OpenReply open(Context ctx, long nodeid, OpenFlags flags) {
        return files.open(ctx, nodeid, flags, false);
    }

    @Override
    public CreateReply create(Context ctx, long parent, FileName name, int mode, OpenFlags flags) {
        return files.create(ctx, parent, name, mode, flags);
    }

    @Override
    public CreateReply tmpfile(Context ctx, long parent, int mode, OpenFlags flags) {
        return files.tmpfile(ctx, parent, mode, flags);
    }

    /** Reads into {@code dst} from its writer index, which it advances by what it read. */
    @Override
    public void read(Context ctx, ReadRequest request, ByteBuf dst) {
        files.read(request, dst);
    }

    @Override
    public int write(Context ctx, WriteRequest request, ByteBuf data) {
        return files.write(request, data);
    }

    @Override
    public void flush(Context ctx, long nodeid, long fh, long lockOwner) {
        files.flush(nodeid, fh, lockOwner);
    }

    @Override
    public void release(Context ctx, ReleaseRequest request) {
        files.release(request);
    }

    @Override
    public void fsync(Context ctx, long nodeid, long fh, boolean datasync) {
        files.fsync(nodeid, fh, datasync);
    }

    @Override
    public void fallocate(Context ctx, FallocateRequest request) {
        files.fallocate(request.nodeid(), request.fh(), request.offset(), request.length(), request.mode());
    }

    @Override
    public long lseek(Context ctx, long nodeid, long fh, long offset, Whence whence) {
        return files.lseek(nodeid, fh, offset, whence.value());
    }

    @Override
    public long copyFileRange(Context ctx, CopyFileRangeRequest request) {
        return files.copyFileRange(request);
    }

    // ------------------------------------------------------------------ locks

    @Override
    public FileLock getlk(Context ctx, LockRequest request) {
        return locks.getlk(ctx, request);
    }

    @Override
    public void setlk(Context ctx, LockRequest request) {
        locks.setlk(ctx, request);
    }

    // ------------------------------------------------------------------ directories

    @Override
    public OpenReply opendir(Context ctx, long nodeid, OpenFlags flags) {
        return files.open(ctx, nodeid, flags, true);
    }

    @Override
    public void readdir(Context ctx, long nodeid, long fh, long offset, DirectorySink sink) {
        directories.readdir(nodeid, fh, offset, sink);
    }

    @Override
    public void readdirplus(Context ctx, long nodeid, long fh, long offset, DirectoryPlusSink sink) {
        directories.readdirplus(ctx, nodeid, fh, offset, sink);
    }

    @Override
    public void releasedir(Context ctx, ReleaseRequest request) {
        share.files.remove(request.fh(), request.nodeid());
    }

    @Override
    public void fsyncdir(Context ctx, long nodeid, long fh, boolean datasync) {
        files.fsync(nodeid, fh, datasync);
    }

    // ------------------------------------------------------------------ extended attributes

    @Override
    public void setxattr(Context ctx, long nodeid, XattrName name, byte[] value, XattrFlags flags) {
        xattrs.setxattr(ctx, nodeid, XattrOps.text(name), value, flags);
    }

    @Override
    public byte[] getxattr(Context ctx, long nodeid, XattrName name) {
        return xattrs.getxattr(ctx, nodeid, XattrOps.text(name));
    }

    @Override
    public List<XattrName> listxattr(Context ctx, long nodeid) {
        List<String> names = xattrs.listxattr(ctx, nodeid);
        List<XattrName> listed = new java.util.ArrayList<>(names.size());
        for (String name : names) {
            listed.add(XattrName.of(name));
        }
        return listed;
    }

    @Override
    public void removexattr(Context ctx, long nodeid, XattrName name) {
        xattrs.removexattr(ctx, nodeid, XattrOps.text(name));
    }

    // ------------------------------------------------------------------ the file system

    @Override
    public StatFs statfs(Context ctx, long nodeid) {
        return attributes.statfs(nodeid);
    }

    @Override
    public void access(Context ctx, long nodeid, AccessMask mask) {
        attributes.access(ctx, nodeid, mask.bits());
    }

    @Override
    public void syncfs(Context ctx, long nodeid) {
        attributes.syncfs(nodeid);
    }

    @Override
    public StatxReply statx(Context ctx, StatxRequest request) {
        return attributes.statx(request);
    }
}
