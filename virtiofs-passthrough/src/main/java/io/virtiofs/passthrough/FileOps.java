package io.virtiofs.passthrough;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Context;
import io.virtiofs.api.CopyFileRangeRequest;
import io.virtiofs.api.CreateReply;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FallocateMode;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileType;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.OpenReply;
import io.virtiofs.api.ReadRequest;
import io.virtiofs.api.ReleaseRequest;
import io.virtiofs.api.WriteRequest;
import io.virtiofs.transport.internal.nativeio.DataCalls;
import io.virtiofs.transport.internal.nativeio.LockCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.NodeCalls;

/**
 * Open files: open and create (a regular file or directory opened again through its O_PATH
 * descriptor's {@code /proc/self/fd} name, as the caller; never a fifo, socket or device), data
 * moved straight between the host file and the transport's buffers, durability, space, seeking
 * for data and holes, and server-side copies.
 */
final class FileOps {

    private final Share share;
    private final XattrOps xattrs;
    private final NamespaceOps names;
    private final LockOps locks;

    FileOps(Share share, XattrOps xattrs, NamespaceOps names, LockOps locks) {
        this.share = share;
        this.xattrs = xattrs;
        this.names = names;
        this.locks = locks;
    }

    /** The FOPEN flags for an open with the guest's {@code flags}. */
    private int replyFlags(OpenFlags flags, boolean directory) {
        CachePolicy cache = share.config.cache();
        if (directory) {
            return cache.keepCache() ? OpenReply.CACHE_DIR | OpenReply.KEEP_CACHE : 0;
        }
        int reply = 0;
        if (cache.directIo() || share.config.allowDirectIo() && flags.has(OpenFlags.O_DIRECT)) {
            reply |= OpenReply.DIRECT_IO | OpenReply.PARALLEL_DIRECT_WRITES;
        }
        if (cache.keepCache()) {
            reply |= OpenReply.KEEP_CACHE;
        }
        return reply;
    }

    OpenReply open(Context ctx, long nodeid, OpenFlags flags, boolean directory) {
        Node node = share.nodes.pin(nodeid);
        try {
            if (directory) {
                Share.requireDirectory(node);
            } else if (!node.isOpenable()) {
                throw Share.notOpenable(node);
            }
            int hostFlags = directory ? NodeCalls.O_DIRECTORY | NodeCalls.O_CLOEXEC : share.hostFlags(flags);
            OpenFile file = reopen(ctx, node, hostFlags);
            if (!directory && flags.truncate() && flags.killSuidgid() && share.config.killPrivV2()) {
                share.killPrivileges(file.fd, share.identity.prepare(), xattrs);
            }
            share.files.add(file);
            return new OpenReply(file.fh, replyFlags(flags, directory));
        } finally {
            node.unpin();
        }
    }

    /** A handle on {@code node} opened as the caller with {@code hostFlags}; pins the node for the handle's life. */
    private OpenFile reopen(Context ctx, Node node, int hostFlags) {
        share.budget.reserve();
        boolean kept = false;
        int pathFd = -1;
        int fd = -1;
        try {
            pathFd = share.nodes.pathFd(node);
            ThreadScratch scratch = share.identity.prepare();
            boolean switched = share.identity.become(ctx, scratch);
            try {
                fd = NodeCalls.openat(share.procFd, scratch.descriptorName(pathFd), hostFlags, 0);
            } finally {
                share.identity.leave(switched, scratch);
            }
            if (!node.pin()) {
                throw new ErrnoException(Errno.ESTALE, node + " was forgotten");
            }
            OpenFile file = new OpenFile(share.files.nextFh(), node, fd, hostFlags, share.budget);
            kept = true;
            return file;
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            if (!kept) {
                if (fd >= 0) {
                    NodeTable.closeQuietly(fd);
                }
                share.budget.release();
            }
            if (pathFd >= 0) {
                share.nodes.donePathFd(node, pathFd);
            }
        }
    }

    CreateReply create(Context ctx, long parent, FileName name, int mode, OpenFlags flags) {
        share.requireWritable("create");
        if (name.isDotOrDotDot()) {
            throw new ErrnoException(Errno.EISDIR, "'" + name + "' is a directory");
        }
        share.checkSetuid(FileType.REGULAR, mode);
        int hostFlags = share.hostFlags(flags);
        Node dir = share.nodes.pin(parent);
        int dirFd = -1;
        try {
            Share.requireDirectory(dir);
            dirFd = share.nodes.pathFd(dir);
            ThreadScratch scratch = share.identity.prepare();
            share.nodes.requireRoomForNode();
            share.budget.reserve();
            int fd = -1;
            Node child = null;
            try {
                boolean switched = share.identity.become(ctx, scratch);
                try {
                    share.identity.umask(scratch, ctx);
                    // O_EXCL always: an existing name is opened as open() opens it, never by O_CREAT,
                    // which would open a fifo or device there, or follow a symbolic link.
                    fd = NodeCalls.openat2(dirFd, scratch.name(name),
                            hostFlags | NodeCalls.O_CREAT | NodeCalls.O_EXCL | NodeCalls.O_NOFOLLOW, mode & 07777,
                            NodeTable.RESOLVE);
                } catch (NativeException e) {
                    if (e.errno() != Errno.EEXIST || flags.has(OpenFlags.O_EXCL)) {
                        throw e;
                    }
                } finally {
                    share.identity.leave(switched, scratch);
                }
                if (fd < 0) {
                    share.budget.release();
                    return openExisting(ctx, dir, dirFd, name, flags);
                }
                try {
                    int pathFd = NodeCalls.openat(share.procFd, scratch.descriptorName(fd), NodeTable.REOPEN_PATH_FLAGS, 0);
                    child = share.nodes.adopt(pathFd, scratch);
                } catch (NativeException | ErrnoException notHeld) {
                    // Created but not answerable: take it back, so the guest's failure is the host's too.
                    try {
                        NodeCalls.unlinkat(dirFd, scratch.name(name), 0);
                    } catch (NativeException gone) {
                        // Removed or replaced meanwhile.
                    }
                    throw notHeld;
                }
                Entry entry = share.attributes.entry(child, scratch.statx());
                names.label(ctx, dir, dirFd, name, FileType.REGULAR, child, scratch);
                if (!child.pin()) {
                    throw new ErrnoException(Errno.ESTALE, child + " was forgotten");
                }
                OpenFile file = new OpenFile(share.files.nextFh(), child, fd, hostFlags, share.budget);
                fd = -1;
                share.files.add(file);
                return new CreateReply(entry, new OpenReply(file.fh, replyFlags(flags, false)));
            } catch (NativeException | RuntimeException e) {
                if (fd >= 0) {
                    NodeTable.closeQuietly(fd);
                    share.budget.release();
                }
                throw e instanceof NativeException n ? n.toErrnoException() : (RuntimeException) e;
            }
        } finally {
            if (dirFd >= 0) {
                share.nodes.donePathFd(dir, dirFd);
            }
            dir.unpin();
        }
    }

    /** Create without O_EXCL of a name that exists: open it as open() would (a regular file only). */
    private CreateReply openExisting(Context ctx, Node dir, int dirFd, FileName name, OpenFlags flags) {
        ThreadScratch scratch = share.identity.prepare();
        Node child;
        boolean switched = share.identity.become(ctx, scratch);
        try {
            child = share.nodes.lookup(dir, dirFd, name, scratch);
        } finally {
            share.identity.leave(switched, scratch);
        }
        Entry entry = share.attributes.entry(child, scratch.statx());
        try {
            if (child.type == FileType.DIRECTORY) {
                throw new ErrnoException(Errno.EISDIR, name + " is a directory");
            }
            if (!child.isOpenable()) {
                throw Share.notOpenable(child);
            }
            OpenFile file = reopen(ctx, child, share.hostFlags(flags));
            if (flags.truncate() && flags.killSuidgid() && share.config.killPrivV2()) {
                share.killPrivileges(file.fd, scratch, xattrs);
            }
            share.files.add(file);
            return new CreateReply(entry, new OpenReply(file.fh, replyFlags(flags, false)));
        } catch (RuntimeException e) {
            share.nodes.forget(child.nodeid, 1);
            throw e;
        }
    }

    CreateReply tmpfile(Context ctx, long parent, int mode, OpenFlags flags) {
        share.requireWritable("tmpfile");
        if (!flags.canWrite()) {
            throw new ErrnoException(Errno.EINVAL, "O_TMPFILE needs O_WRONLY or O_RDWR");
        }
        share.checkSetuid(FileType.REGULAR, mode);
        int hostFlags = share.hostFlags(flags) | OpenFlags.O_TMPFILE | (flags.flags() & OpenFlags.O_EXCL);
        Node dir = share.nodes.pin(parent);
        int dirFd = -1;
        int fd = -1;
        try {
            Share.requireDirectory(dir);
            dirFd = share.nodes.pathFd(dir);
            ThreadScratch scratch = share.identity.prepare();
            share.nodes.requireRoomForNode();
            share.budget.reserve();
            try {
                boolean switched = share.identity.become(ctx, scratch);
                try {
                    share.identity.umask(scratch, ctx);
                    fd = NodeCalls.openat2(dirFd, scratch.name(FileName.DOT), hostFlags, mode & 07777, NodeTable.RESOLVE);
                } finally {
                    share.identity.leave(switched, scratch);
                }
                int pathFd = NodeCalls.openat(share.procFd, scratch.descriptorName(fd), NodeTable.REOPEN_PATH_FLAGS, 0);
                Node child = share.nodes.adopt(pathFd, scratch);
                Entry entry = share.attributes.entry(child, scratch.statx());
                if (!child.pin()) {
                    throw new ErrnoException(Errno.ESTALE, child + " was forgotten");
                }
                OpenFile file = new OpenFile(share.files.nextFh(), child, fd, hostFlags, share.budget);
                fd = -1;
                share.files.add(file);
                return new CreateReply(entry, new OpenReply(file.fh, replyFlags(flags, false)));
            } catch (NativeException e) {
                throw e.toErrnoException();
            } finally {
                if (fd >= 0) {
                    NodeTable.closeQuietly(fd);
                    share.budget.release();
                }
            }
        } finally {
            if (dirFd >= 0) {
                share.nodes.donePathFd(dir, dirFd);
            }
            dir.unpin();
        }
    }

    void read(ReadRequest request, ByteBuf dst) {
        OpenFile file = share.files.pin(request.fh(), request.nodeid());
        try {
            HostIo.read(file.fd, request.offset(), request.size(), dst, ThreadScratch.get());
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            file.unpin();
        }
    }

    int write(WriteRequest request, ByteBuf data) {
        OpenFile file = share.files.pin(request.fh(), request.nodeid());
        try {
            if (request.killSuidgid() && share.config.killPrivV2()) {
                share.killPrivileges(file.fd, share.identity.prepare(), xattrs);
            }
            return HostIo.write(file.fd, request.offset(), request.size(), data, ThreadScratch.get());
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            file.unpin();
        }
    }

    /** A close of one guest descriptor: the POSIX locks of {@code lockOwner} go, as close(2) drops them. */
    void flush(long nodeid, long fh, long lockOwner) {
        OpenFile file = share.files.pin(fh, nodeid);
        try {
            locks.dropOwner(file.node, lockOwner);
        } finally {
            file.unpin();
        }
    }

    void release(ReleaseRequest request) {
        OpenFile file = share.files.pin(request.fh(), request.nodeid());
        try {
            if (request.flush()) {
                locks.dropOwner(file.node, request.lockOwner());
            }
            if (request.flockUnlock()) {
                try {
                    LockCalls.flock(file.fd, LockCalls.LOCK_UN);
                } catch (NativeException e) {
                    // The descriptor closes next, which drops the lock anyway.
                }
            }
        } finally {
            file.unpin();
        }
        share.files.remove(request.fh(), request.nodeid());
    }

    void fsync(long nodeid, long fh, boolean datasync) {
        OpenFile file = share.files.pin(fh, nodeid);
        try {
            DataCalls.fsync(file.fd, datasync);
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            file.unpin();
        }
    }

    void fallocate(long nodeid, long fh, long offset, long length, FallocateMode mode) {
        share.requireWritable("fallocate");
        OpenFile file = share.files.pin(fh, nodeid);
        try {
            DataCalls.fallocate(file.fd, mode.value(), offset, length);
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            file.unpin();
        }
    }

    long lseek(long nodeid, long fh, long offset, int whence) {
        OpenFile file = share.files.pin(fh, nodeid);
        try {
            return DataCalls.lseek(file.fd, offset, whence);
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            file.unpin();
        }
    }

    long copyFileRange(CopyFileRangeRequest request) {
        share.requireWritable("copy_file_range");
        if (request.flags() != 0) {
            throw new ErrnoException(Errno.EINVAL, "copy_file_range flags " + request.flags());
        }
        OpenFile in = share.files.pin(request.fhIn(), request.nodeIn());
        try {
            OpenFile out = share.files.pin(request.fhOut(), request.nodeOut());
            try {
                return DataCalls.copyFileRange(in.fd, request.offsetIn(), out.fd, request.offsetOut(),
                        request.length(), 0);
            } finally {
                out.unpin();
            }
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            in.unpin();
        }
    }
}
