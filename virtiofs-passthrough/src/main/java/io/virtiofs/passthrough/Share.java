package io.virtiofs.passthrough;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileType;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.NodeCalls;
import io.virtiofs.transport.internal.nativeio.StatxBuffer;

/**
 * What every family of operations of one {@link PassthroughFileSystem} shares: the
 * configuration, the nodes and handles, the caller's identity, attributes, the descriptor budget
 * and {@code /proc/self/fd}; and the checks they all make.
 */
final class Share {

    static final int S_ISUID = 04000;
    static final int S_ISGID = 02000;
    static final int S_IXGRP = 00010;
    /** What {@code statx} of a descriptor itself takes. */
    static final int EMPTY_NOFOLLOW = NodeCalls.AT_EMPTY_PATH | NodeCalls.AT_SYMLINK_NOFOLLOW;

    /** Open flags the guest may pass on to the host (the rest are dropped; O_CLOEXEC is added). */
    private static final int PASSED_FLAGS = OpenFlags.O_ACCMODE | OpenFlags.O_APPEND | OpenFlags.O_DIRECT
            | OpenFlags.O_SYNC | OpenFlags.O_DSYNC | OpenFlags.O_NOATIME | OpenFlags.O_TRUNC | OpenFlags.O_NONBLOCK
            | OpenFlags.O_LARGEFILE;

    final PassthroughConfig config;
    final NodeTable nodes;
    final OpenFiles files;
    final CallerIdentity identity;
    final Attributes attributes;
    final DescriptorBudget budget;
    /** The open {@code /proc/self/fd} directory: a node's descriptor number there reopens it. */
    final int procFd;

    Share(PassthroughConfig config, NodeTable nodes, OpenFiles files, CallerIdentity identity, Attributes attributes,
          DescriptorBudget budget, int procFd) {
        this.config = config;
        this.nodes = nodes;
        this.files = files;
        this.identity = identity;
        this.attributes = attributes;
        this.budget = budget;
        this.procFd = procFd;
    }

    /** Fails with EROFS on a read-only share. */
    void requireWritable(String operation) {
        if (config.readOnly()) {
            throw new ErrnoException(Errno.EROFS, operation + " on a read-only share");
        }
    }

    /** Fails with ENOTDIR unless {@code node} is a directory. */
    static void requireDirectory(Node node) {
        if (node.type != FileType.DIRECTORY) {
            throw new ErrnoException(Errno.ENOTDIR, node + " is not a directory");
        }
    }

    /**
     * Fails with EPERM when set-user-ID or set-group-ID executables are refused and {@code mode}
     * (of a node of {@code type}) would make one.
     */
    void checkSetuid(FileType type, int mode) {
        if (!config.refuseSetuid() || type == FileType.DIRECTORY) {
            return;
        }
        if ((mode & S_ISUID) != 0 || (mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP)) {
            throw new ErrnoException(Errno.EPERM, "set-user-ID and set-group-ID executables are refused on this share");
        }
    }

    /**
     * The host open flags for the guest's {@code flags}: only flags that mean something for a
     * host file pass (never O_CREAT, O_EXCL, O_NOFOLLOW, O_PATH, O_TMPFILE, O_NOCTTY), O_DIRECT
     * only with {@code --allow-direct-io}, O_NOATIME only with {@code --preserve-noatime}; a
     * write-only open becomes read-write and O_APPEND is dropped under writeback caching (the
     * guest reads back what it caches, and places appends itself); O_CLOEXEC always.
     *
     * @throws ErrnoException EROFS for a write or truncate on a read-only share
     */
    int hostFlags(OpenFlags flags) {
        int host = flags.flags() & PASSED_FLAGS;
        if (!config.allowDirectIo()) {
            host &= ~OpenFlags.O_DIRECT;
        }
        if (!config.preserveNoatime()) {
            host &= ~OpenFlags.O_NOATIME;
        }
        if (config.readOnly() && (flags.canWrite() || flags.truncate())) {
            throw new ErrnoException(Errno.EROFS, "opening for writing on a read-only share");
        }
        if (config.writeback()) {
            if ((host & OpenFlags.O_ACCMODE) == OpenFlags.O_WRONLY) {
                host = (host & ~OpenFlags.O_ACCMODE) | OpenFlags.O_RDWR;
            }
            host &= ~OpenFlags.O_APPEND;
        }
        return host | NodeCalls.O_CLOEXEC;
    }

    /**
     * Clears set-user-ID, and set-group-ID of a group-executable file, on the regular file open as
     * {@code pathFd} (as this process: the guest asked for it with a kill flag, and the host kernel
     * keeps them when root writes). Removes the host name the guest's {@code security.capability}
     * maps to, as the kernel removes the real one.
     */
    void killPrivileges(int pathFd, ThreadScratch scratch, XattrOps xattrs) {
        StatxBuffer st = scratch.statx();
        try {
            NodeCalls.statx(pathFd, NodeCalls.emptyPath(), EMPTY_NOFOLLOW, StatxBuffer.STATX_TYPE | StatxBuffer.STATX_MODE, st);
            int mode = st.mode();
            if (!FileType.REGULAR.matches(mode)) {
                return;
            }
            int kill = S_ISUID | ((mode & S_IXGRP) != 0 ? S_ISGID : 0);
            if ((mode & kill) != 0) {
                NodeCalls.fchmodat(procFd, scratch.descriptorName(pathFd), mode & 07777 & ~kill);
            }
        } catch (NativeException e) {
            throw e.toErrnoException();
        }
        xattrs.killMappedCapability(pathFd, scratch);
    }

    /** The answer for opening a node that must not be opened on the host. */
    static ErrnoException notOpenable(Node node) {
        if (node.type == FileType.SYMLINK) {
            return new ErrnoException(Errno.ELOOP, node + " is a symbolic link");
        }
        // A fifo, socket or device is never opened on the host (CVE-2020-35517): the guest's kernel
        // serves those itself and never asks; a guest that asks anyway is refused.
        return new ErrnoException(Errno.EACCES, node + " is a " + node.type + ", which is not opened on the host");
    }
}
