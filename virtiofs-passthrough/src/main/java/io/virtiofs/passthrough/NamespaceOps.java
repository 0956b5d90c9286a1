package io.virtiofs.passthrough;

import io.virtiofs.api.Context;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileType;
import io.virtiofs.api.RenameFlags;
import io.virtiofs.api.SymlinkTarget;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.NodeCalls;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Names: lookup, and the requests that make, link, remove and move them. Each is carried out as
 * the caller, relative to the parent's descriptor, with the name as one component; a node made
 * is looked up again through the same descriptor to answer its entry.
 */
final class NamespaceOps {

    private final Share share;
    private final XattrOps xattrs;

    NamespaceOps(Share share, XattrOps xattrs) {
        this.share = share;
        this.xattrs = xattrs;
    }

    Entry lookup(Context ctx, long parent, FileName name) {
        Node dir = share.nodes.pin(parent);
        int dirFd = -1;
        try {
            Share.requireDirectory(dir);
            dirFd = share.nodes.pathFd(dir);
            ThreadScratch scratch = share.identity.prepare();
            boolean switched = share.identity.become(ctx, scratch);
            try {
                Node child = share.nodes.lookup(dir, dirFd, name, scratch);
                return share.attributes.entry(child, scratch.statx());
            } finally {
                share.identity.leave(switched, scratch);
            }
        } finally {
            if (dirFd >= 0) {
                share.nodes.donePathFd(dir, dirFd);
            }
            dir.unpin();
        }
    }

    /** What one creating request does in the parent directory, as the caller. */
    @FunctionalInterface
    private interface Creation {
        void create(int dirFd, MemorySegment name, ThreadScratch scratch) throws NativeException;
    }

    Entry mknod(Context ctx, long parent, FileName name, int mode, int rdev) {
        share.requireWritable("mknod");
        FileType type = FileType.ofMode(mode);
        if ((type == FileType.CHARACTER_DEVICE || type == FileType.BLOCK_DEVICE) && share.config.refuseDeviceNodes()) {
            throw new ErrnoException(Errno.EPERM, "device nodes are refused on this share");
        }
        share.checkSetuid(type, mode);
        long device = Attributes.decodeDevice(rdev);
        return create(ctx, parent, name, type, (dirFd, cname, scratch) -> NodeCalls.mknodat(dirFd, cname, mode, device));
    }

    Entry mkdir(Context ctx, long parent, FileName name, int mode) {
        share.requireWritable("mkdir");
        return create(ctx, parent, name, FileType.DIRECTORY,
                (dirFd, cname, scratch) -> NodeCalls.mkdirat(dirFd, cname, mode & 07777));
    }

    Entry symlink(Context ctx, long parent, FileName name, SymlinkTarget target) {
        share.requireWritable("symlink");
        byte[] bytes = target.toBytes();
        return create(ctx, parent, name, FileType.SYMLINK, (dirFd, cname, scratch) -> {
            MemorySegment text = scratch.large();
            MemorySegment.copy(bytes, 0, text, ValueLayout.JAVA_BYTE, 0, bytes.length);
            text.set(ValueLayout.JAVA_BYTE, bytes.length, (byte) 0);
            NodeCalls.symlinkat(text, dirFd, cname);
        });
    }

    private Entry create(Context ctx, long parent, FileName name, FileType type, Creation creation) {
        if (name.isDotOrDotDot()) {
            throw new ErrnoException(Errno.EEXIST, "'" + name + "' exists in every directory");
        }
        Node dir = share.nodes.pin(parent);
        int dirFd = -1;
        try {
            Share.requireDirectory(dir);
            dirFd = share.nodes.pathFd(dir);
            ThreadScratch scratch = share.identity.prepare();
            Node child;
            share.nodes.requireRoomForNode();
            boolean switched = share.identity.become(ctx, scratch);
            try {
                share.identity.umask(scratch, ctx);
                creation.create(dirFd, scratch.name(name), scratch);
                try {
                    child = share.nodes.lookup(dir, dirFd, name, scratch);
                } catch (ErrnoException notHeld) {
                    // Created but not answerable (out of descriptors): take it back, so the guest's
                    // failure is the host's too.
                    unlinkQuietly(dirFd, name, type, scratch);
                    throw notHeld;
                }
            } finally {
                share.identity.leave(switched, scratch);
            }
            Entry entry = share.attributes.entry(child, scratch.statx());
            label(ctx, dir, dirFd, name, type, child, scratch);
            return entry;
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            if (dirFd >= 0) {
                share.nodes.donePathFd(dir, dirFd);
            }
            dir.unpin();
        }
    }

    private static void unlinkQuietly(int dirFd, FileName name, FileType type, ThreadScratch scratch) {
        try {
            NodeCalls.unlinkat(dirFd, scratch.name(name), type == FileType.DIRECTORY ? NodeCalls.AT_REMOVEDIR : 0);
        } catch (NativeException gone) {
            // Removed or replaced meanwhile: nothing of ours to take back.
        }
    }

    /** Gives a new node its security labels; on failure removes it again and fails. */
    void label(Context ctx, Node dir, int dirFd, FileName name, FileType type, Node child, ThreadScratch scratch) {
        if (ctx.securityLabels().isEmpty() || !share.config.securityLabel()) {
            return;
        }
        int fd = share.nodes.pathFd(child);
        try {
            xattrs.applyLabels(ctx, fd, scratch);
        } catch (ErrnoException e) {
            try {
                NodeCalls.unlinkat(dirFd, scratch.name(name), type == FileType.DIRECTORY ? NodeCalls.AT_REMOVEDIR : 0);
            } catch (NativeException ignored) {
                // The name is gone or was replaced: nothing of ours to remove.
            }
            share.nodes.forget(child.nodeid, 1);
            throw e;
        } finally {
            share.nodes.donePathFd(child, fd);
        }
    }

    Entry link(Context ctx, long nodeid, long newParent, FileName newName) {
        share.requireWritable("link");
        if (newName.isDotOrDotDot()) {
            throw new ErrnoException(Errno.EEXIST, "'" + newName + "' exists in every directory");
        }
        Node node = share.nodes.pin(nodeid);
        int fd = -1;
        try {
            Node dir = share.nodes.pin(newParent);
            int dirFd = -1;
            try {
                Share.requireDirectory(dir);
                fd = share.nodes.pathFd(node);
                dirFd = share.nodes.pathFd(dir);
                ThreadScratch scratch = share.identity.prepare();
                boolean switched = share.identity.become(ctx, scratch);
                try {
                    // Through /proc/self/fd/N, following that one magic link: the node itself, even a
                    // symbolic link (the jump lands on it and goes no further). AT_EMPTY_PATH would need
                    // CAP_DAC_READ_SEARCH, which the caller may not have.
                    NodeCalls.linkat(share.procFd, scratch.descriptorName(fd), dirFd, scratch.otherName(newName),
                            NodeCalls.AT_SYMLINK_FOLLOW);
                    Node linked = share.nodes.lookup(dir, dirFd, newName, scratch);
                    return share.attributes.entry(linked, scratch.statx());
                } finally {
                    share.identity.leave(switched, scratch);
                }
            } finally {
                if (dirFd >= 0) {
                    share.nodes.donePathFd(dir, dirFd);
                }
                dir.unpin();
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

    void unlink(Context ctx, long parent, FileName name) {
        remove(ctx, parent, name, 0);
    }

    void rmdir(Context ctx, long parent, FileName name) {
        remove(ctx, parent, name, NodeCalls.AT_REMOVEDIR);
    }

    private void remove(Context ctx, long parent, FileName name, int flags) {
        share.requireWritable(flags == 0 ? "unlink" : "rmdir");
        if (name.isDotOrDotDot()) {
            throw new ErrnoException(name == FileName.DOT ? Errno.EINVAL : Errno.ENOTEMPTY,
                    "cannot remove '" + name + "'");
        }
        Node dir = share.nodes.pin(parent);
        int dirFd = -1;
        try {
            Share.requireDirectory(dir);
            dirFd = share.nodes.pathFd(dir);
            ThreadScratch scratch = share.identity.prepare();
            boolean switched = share.identity.become(ctx, scratch);
            try {
                NodeCalls.unlinkat(dirFd, scratch.name(name), flags);
            } finally {
                share.identity.leave(switched, scratch);
            }
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            if (dirFd >= 0) {
                share.nodes.donePathFd(dir, dirFd);
            }
            dir.unpin();
        }
    }

    void rename(Context ctx, long parent, FileName name, long newParent, FileName newName, RenameFlags flags) {
        share.requireWritable("rename");
        if (flags.hasUnknownBits()) {
            throw new ErrnoException(Errno.EINVAL, "unknown rename flags 0x" + Integer.toHexString(flags.value()));
        }
        if (name.isDotOrDotDot() || newName.isDotOrDotDot()) {
            throw new ErrnoException(Errno.EBUSY, "cannot rename '.' or '..'");
        }
        Node from = share.nodes.pin(parent);
        int fromFd = -1;
        try {
            Node to = share.nodes.pin(newParent);
            int toFd = -1;
            try {
                Share.requireDirectory(from);
                Share.requireDirectory(to);
                fromFd = share.nodes.pathFd(from);
                toFd = share.nodes.pathFd(to);
                ThreadScratch scratch = share.identity.prepare();
                boolean switched = share.identity.become(ctx, scratch);
                try {
                    NodeCalls.renameat2(fromFd, scratch.name(name), toFd, scratch.otherName(newName), flags.value());
                } finally {
                    share.identity.leave(switched, scratch);
                }
            } finally {
                if (toFd >= 0) {
                    share.nodes.donePathFd(to, toFd);
                }
                to.unpin();
            }
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            if (fromFd >= 0) {
                share.nodes.donePathFd(from, fromFd);
            }
            from.unpin();
        }
    }
}
