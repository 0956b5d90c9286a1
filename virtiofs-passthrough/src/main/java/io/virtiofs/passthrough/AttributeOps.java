package io.virtiofs.passthrough;

import io.virtiofs.api.AttrReply;
import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileType;
import io.virtiofs.api.SetattrRequest;
import io.virtiofs.api.StatFs;
import io.virtiofs.api.StatxReply;
import io.virtiofs.api.StatxRequest;
import io.virtiofs.api.SymlinkTarget;
import io.virtiofs.transport.internal.nativeio.DataCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.NodeCalls;
import io.virtiofs.transport.internal.nativeio.StatxBuffer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Attributes: read them, change them as the caller, links' targets, access checks, file system statistics. */
final class AttributeOps {

    /** {@code AT_STATX_SYNC_TYPE}: the statx flags about freshness the guest may pass on. */
    private static final int STATX_SYNC_FLAGS = 0x6000;

    private final Share share;
    private final XattrOps xattrs;

    AttributeOps(Share share, XattrOps xattrs) {
        this.share = share;
        this.xattrs = xattrs;
    }

    AttrReply getattr(long nodeid) {
        Node node = share.nodes.pin(nodeid);
        int fd = -1;
        try {
            fd = share.nodes.pathFd(node);
            StatxBuffer st = ThreadScratch.get().statx();
            NodeCalls.statx(fd, NodeCalls.emptyPath(), Share.EMPTY_NOFOLLOW, NodeTable.STATX_MASK, st);
            return share.attributes.reply(st);
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            if (fd >= 0) {
                share.nodes.donePathFd(node, fd);
            }
            node.unpin();
        }
    }

    AttrReply fgetattr(long nodeid, long fh) {
        OpenFile file = share.files.pin(fh, nodeid);
        try {
            StatxBuffer st = ThreadScratch.get().statx();
            NodeCalls.statx(file.fd, NodeCalls.emptyPath(), Share.EMPTY_NOFOLLOW, NodeTable.STATX_MASK, st);
            return share.attributes.reply(st);
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            file.unpin();
        }
    }

    StatxReply statx(StatxRequest request) {
        OpenFile file = request.hasFh() ? share.files.pin(request.fh(), request.nodeid()) : null;
        Node node = file == null ? share.nodes.pin(request.nodeid()) : file.node;
        int fd = -1;
        try {
            fd = file != null ? file.fd : share.nodes.pathFd(node);
            StatxBuffer st = ThreadScratch.get().statx();
            NodeCalls.statx(fd, NodeCalls.emptyPath(), Share.EMPTY_NOFOLLOW | (request.sxFlags() & STATX_SYNC_FLAGS),
                    NodeTable.STATX_MASK | request.sxMask(), st);
            return new StatxReply(share.attributes.statx(st), share.attributes.timeout());
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            if (file != null) {
                file.unpin();
            } else {
                if (fd >= 0) {
                    share.nodes.donePathFd(node, fd);
                }
                node.unpin();
            }
        }
    }

    AttrReply setattr(Context ctx, long nodeid, SetattrRequest request) {
        if ((request.valid() & ~(SetattrRequest.FATTR_FH | SetattrRequest.FATTR_LOCKOWNER)) != 0) {
            share.requireWritable("setattr");
        }
        Node node = share.nodes.pin(nodeid);
        OpenFile file = null;
        int fd = -1;
        try {
            if (request.hasFh() && request.hasSize()) {
                file = share.files.pin(request.fh(), nodeid);
            }
            fd = share.nodes.pathFd(node);
            ThreadScratch scratch = share.identity.prepare();
            boolean switched = share.identity.become(ctx, scratch);
            try {
                change(request, node, file, fd, scratch);
            } finally {
                share.identity.leave(switched, scratch);
            }
            boolean kills = request.hasSize() || request.hasUid() || request.hasGid();
            if (request.killSuidgid() && kills && share.config.killPrivV2() && node.type == FileType.REGULAR) {
                share.killPrivileges(fd, scratch, xattrs);
            }
            StatxBuffer st = scratch.statx();
            NodeCalls.statx(fd, NodeCalls.emptyPath(), Share.EMPTY_NOFOLLOW, NodeTable.STATX_MASK, st);
            return share.attributes.reply(st);
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            if (fd >= 0) {
                share.nodes.donePathFd(node, fd);
            }
            if (file != null) {
                file.unpin();
            }
            node.unpin();
        }
    }

    /** The changes, in the order chmod, chown, truncate, utimes (as the caller). */
    private void change(SetattrRequest request, Node node, OpenFile file, int fd, ThreadScratch scratch)
            throws NativeException {
        if (request.hasMode()) {
            if (node.type == FileType.SYMLINK) {
                throw new ErrnoException(Errno.EOPNOTSUPP, "a symbolic link has no mode of its own");
            }
            int mode = request.mode() & 07777;
            share.checkSetuid(node.type, mode);
            NodeCalls.fchmodat(share.procFd, scratch.descriptorName(fd), mode);
        }
        if (request.hasUid() || request.hasGid()) {
            int uid = request.hasUid() ? share.config.uids().toHost(request.uid()) : -1;
            int gid = request.hasGid() ? share.config.gids().toHost(request.gid()) : -1;
            NodeCalls.fchownat(fd, NodeCalls.emptyPath(), uid, gid, Share.EMPTY_NOFOLLOW);
        }
        if (request.hasSize()) {
            if (node.type != FileType.REGULAR) {
                throw new ErrnoException(node.type == FileType.DIRECTORY ? Errno.EISDIR : Errno.EINVAL,
                        "cannot truncate " + node);
            }
            if (file != null) {
                DataCalls.ftruncate(file.fd, request.size());
            } else {
                // truncate(2) of the magic link's name: the caller's write permission is checked.
                DataCalls.truncate(scratch.descriptorName(fd), request.size());
            }
        }
        if (request.hasAtime() || request.hasMtime()) {
            long atime = 0;
            long atimeNsec = NodeCalls.UTIME_OMIT;
            long mtime = 0;
            long mtimeNsec = NodeCalls.UTIME_OMIT;
            if (request.hasAtime()) {
                atime = request.atime();
                atimeNsec = request.atimeNow() ? NodeCalls.UTIME_NOW : request.atimeNsec();
            }
            if (request.hasMtime()) {
                mtime = request.mtime();
                mtimeNsec = request.mtimeNow() ? NodeCalls.UTIME_NOW : request.mtimeNsec();
            }
            NodeCalls.utimensat(fd, NodeCalls.emptyPath(), atime, atimeNsec, mtime, mtimeNsec, NodeCalls.AT_EMPTY_PATH);
        }
    }

    SymlinkTarget readlink(long nodeid) {
        Node node = share.nodes.pin(nodeid);
        int fd = -1;
        try {
            if (node.type != FileType.SYMLINK) {
                throw new ErrnoException(Errno.EINVAL, node + " is not a symbolic link");
            }
            fd = share.nodes.pathFd(node);
            MemorySegment buffer = ThreadScratch.get().large().asSlice(0, ThreadScratch.TARGET_ROOM);
            int length = NodeCalls.readlinkat(fd, NodeCalls.emptyPath(), buffer);
            if (length >= ThreadScratch.TARGET_ROOM) {
                throw new ErrnoException(Errno.ENAMETOOLONG, "the target of " + node + " is longer than PATH_MAX");
            }
            return SymlinkTarget.ofOwned(buffer.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE));
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            if (fd >= 0) {
                share.nodes.donePathFd(node, fd);
            }
            node.unpin();
        }
    }

    void access(Context ctx, long nodeid, int mask) {
        Node node = share.nodes.pin(nodeid);
        int fd = -1;
        try {
            if ((mask & 2) != 0 && share.config.readOnly()) {
                throw new ErrnoException(Errno.EROFS, "write access on a read-only share");
            }
            fd = share.nodes.pathFd(node);
            ThreadScratch scratch = share.identity.prepare();
            boolean switched = share.identity.become(ctx, scratch);
            try {
                NodeCalls.faccessat(share.procFd, scratch.descriptorName(fd), mask & 7, NodeCalls.AT_EACCESS);
            } finally {
                share.identity.leave(switched, scratch);
            }
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            if (fd >= 0) {
                share.nodes.donePathFd(node, fd);
            }
            node.unpin();
        }
    }

    StatFs statfs(long nodeid) {
        Node node = share.nodes.pin(nodeid);
        int fd = -1;
        try {
            fd = share.nodes.pathFd(node);
            DataCalls.FsStats s = DataCalls.fstatfs(fd);
            long blocks = s.blocks();
            long files = s.files();
            return new StatFs(blocks, Math.min(s.blocksFree(), blocks), Math.min(s.blocksAvailable(), blocks), files,
                    Math.min(s.filesFree(), files), (int) s.blockSize(), (int) s.nameLength(),
                    (int) (s.fragmentSize() == 0 ? s.blockSize() : s.fragmentSize()));
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            if (fd >= 0) {
                share.nodes.donePathFd(node, fd);
            }
            node.unpin();
        }
    }

    /** syncfs(2) of the file system holding the node (an O_PATH descriptor will not do: opened read-only). */
    void syncfs(long nodeid) {
        Node node = share.nodes.pin(nodeid);
        int pathFd = -1;
        int fd = -1;
        try {
            pathFd = share.nodes.pathFd(node);
            int flags = node.type == FileType.DIRECTORY ? NodeCalls.O_DIRECTORY : 0;
            if (!node.isOpenable()) {
                pathFd = swapForRoot(node, pathFd);
                flags = NodeCalls.O_DIRECTORY;
            }
            fd = NodeCalls.openat(share.procFd, ThreadScratch.get().descriptorName(pathFd), flags | NodeCalls.O_CLOEXEC, 0);
            DataCalls.syncfs(fd);
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            if (fd >= 0) {
                NodeTable.closeQuietly(fd);
            }
            if (pathFd >= 0 && pathFd != share.nodes.root().fd) {
                share.nodes.donePathFd(node, pathFd);
            }
            node.unpin();
        }
    }

    private int swapForRoot(Node node, int pathFd) {
        share.nodes.donePathFd(node, pathFd);
        return share.nodes.root().fd;
    }
}
