package io.virtiofs.examples.memfs;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.AccessMask;
import io.virtiofs.api.Context;
import io.virtiofs.api.DaxMapping;
import io.virtiofs.api.DaxWindow;
import io.virtiofs.api.CopyFileRangeRequest;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FallocateMode;
import io.virtiofs.api.FallocateRequest;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.ReadRequest;
import io.virtiofs.api.SetupMappingRequest;
import io.virtiofs.api.Whence;
import io.virtiofs.api.WriteRequest;
import io.virtiofs.transport.device.MappableMemoryFile;
import java.time.Instant;
import java.util.concurrent.locks.Lock;

/**
 * Opening files and their I/O: open (with O_TRUNC), read, write, fallocate, lseek for data and
 * holes, and copy_file_range. Data goes through {@link FileData}; the times and the set-user-ID and
 * set-group-ID bits follow POSIX and Linux: a write or truncate sets mtime and ctime and, by a
 * caller other than root (or when the driver asks), clears set-user-ID and set-group-ID; a read
 * sets atime as the {@link AtimePolicy} says.
 */
final class FileIo {

    private static final int SUPPORTED_FALLOCATE = FallocateMode.KEEP_SIZE | FallocateMode.PUNCH_HOLE
            | FallocateMode.ZERO_RANGE;

    private final OpenFiles files;
    private final Permissions permissions;
    private final MemFsConfig config;

    FileIo(OpenFiles files, Permissions permissions, MemFsConfig config) {
        this.files = files;
        this.permissions = permissions;
        this.config = config;
    }

    /**
     * Opens a handle on {@code inode}: read permission to read, write permission to write or
     * truncate; O_NOATIME for the owner or root only; O_TRUNC empties a regular file.
     */
    OpenFile open(Context ctx, Inode inode, OpenFlags flags) {
        boolean truncate = flags.truncate();
        switch (inode) {
            case DirectoryInode dir when flags.canWrite() || truncate ->
                    throw new ErrnoException(Errno.EISDIR, "directory " + dir.id() + " opened for writing");
            case SymlinkInode link -> throw new ErrnoException(Errno.ELOOP, "symlink " + link.id() + " cannot be opened");
            default -> {
            }
        }
        if (flags.has(OpenFlags.O_DIRECTORY) && !(inode instanceof DirectoryInode)) {
            throw new ErrnoException(Errno.ENOTDIR, inode + " is not a directory (O_DIRECTORY)");
        }
        int mask = (flags.canRead() ? AccessMask.R_OK : 0) | (flags.canWrite() || truncate ? AccessMask.W_OK : 0);
        permissions.check(ctx, inode, mask);
        if (flags.has(OpenFlags.O_NOATIME)) {
            permissions.checkOwner(ctx, inode);
        }
        if (truncate && inode instanceof FileInode file) {
            truncateOnOpen(ctx, file, flags.killSuidgid());
        }
        return files.open(inode, flags);
    }

    private void truncateOnOpen(Context ctx, FileInode file, boolean killFlag) {
        Lock lock = file.data().writeLock();
        lock.lock();
        try {
            file.data().truncateLocked(0);
            contentChanged(ctx, file, killFlag);
        } finally {
            lock.unlock();
        }
    }

    /** FUSE_READ through a handle open for reading. */
    void read(Context ctx, ReadRequest request, ByteBuf dst) {
        OpenFile open = files.get(request.fh(), request.nodeid());
        if (!open.flags().canRead()) {
            throw new ErrnoException(Errno.EBADF, "handle " + request.fh() + " is not open for reading");
        }
        FileInode file = regular(open.inode());
        if (request.offset() < 0) {
            throw new ErrnoException(Errno.EINVAL, "read offset " + request.offset() + " is negative");
        }
        file.data().read(request.offset(), request.size(), dst);
        if (!open.noAtime()) {
            file.accessed(now(), config.atimePolicy());
        }
    }

    /** The most a file's memory file may grow to: the largest file, within the capacity, in DAX ranges. */
    private long mappableLength() {
        long limit = Math.min(config.maxFileSize(), Math.max(config.capacityBytes(), MappedFileData.RANGE));
        return MappedFileData.roundUp(Math.min(limit, 1L << 40));
    }

    /**
     * FUSE_SETUPMAPPING: the file's bytes move to a memory file on its first mapping (see
     * {@link FileData#mappable}), whose range the window then shows. Linux sends no handle
     * ({@code fh} is -1: the mapping belongs to the inode, shared by every open file), so the
     * node is the file; the guest opened it and checked the access.
     */
    void setupmapping(Inode inode, SetupMappingRequest request, DaxWindow window) {
        FileInode file = regular(inode);
        long end = request.fileOffset() + request.length();
        if (request.fileOffset() < 0 || end < request.fileOffset() || end > mappableLength()) {
            throw new ErrnoException(Errno.EINVAL, "mapping of " + request.length() + " bytes at file offset "
                    + request.fileOffset() + " is beyond the largest file");
        }
        MappableMemoryFile memory = file.data().mappable(mappableLength());
        // The pages of the range past the end of the file exist (zeros), so the VMM never faults on them.
        memory.ensureLength(MappedFileData.roundUp(end));
        window.map(new DaxMapping(request.windowOffset(), request.length(), memory.source(), request.fileOffset(),
                request.writable()));
    }

    /** FUSE_WRITE through a handle open for writing; O_APPEND handles write at the end. */
    int write(Context ctx, WriteRequest request, ByteBuf data) {
        OpenFile open = files.get(request.fh(), request.nodeid());
        if (!open.flags().canWrite()) {
            throw new ErrnoException(Errno.EBADF, "handle " + request.fh() + " is not open for writing");
        }
        FileInode file = regular(open.inode());
        if (request.offset() < 0) {
            throw new ErrnoException(Errno.EINVAL, "write offset " + request.offset() + " is negative");
        }
        int count = file.data().write(request.offset(), open.flags().append(), data, config.maxFileSize());
        if (count > 0) {
            contentChanged(ctx, file, request.killSuidgid());
        }
        return count;
    }

    /**
     * FUSE_FALLOCATE: mode 0 and KEEP_SIZE allocate, PUNCH_HOLE|KEEP_SIZE frees, ZERO_RANGE (with or
     * without KEEP_SIZE) zeroes; anything else is {@code EOPNOTSUPP}.
     */
    void fallocate(Context ctx, FallocateRequest request) {
        long fh = request.fh();
        long offset = request.offset();
        long length = request.length();
        FallocateMode mode = request.mode();
        OpenFile open = files.get(fh, request.nodeid());
        FileInode file = regular(open.inode());
        if (!open.flags().canWrite()) {
            throw new ErrnoException(Errno.EBADF, "handle " + fh + " is not open for writing");
        }
        int bits = mode.value();
        boolean supported = (bits & ~SUPPORTED_FALLOCATE) == 0
                && !(mode.punchHole() && (!mode.keepSize() || mode.zeroRange()));
        if (!supported) {
            throw new ErrnoException(Errno.EOPNOTSUPP, "fallocate mode 0x" + Integer.toHexString(bits));
        }
        if (offset < 0 || length <= 0) {
            throw new ErrnoException(Errno.EINVAL, "fallocate range " + offset + "+" + length);
        }
        if (offset > config.maxFileSize() - length) {
            throw new ErrnoException(Errno.EFBIG, "fallocate range " + offset + "+" + length + " is past the largest file size");
        }
        if (mode.punchHole()) {
            file.data().punchHole(offset, length);
            contentChanged(ctx, file, false);
        } else if (mode.zeroRange()) {
            file.data().zeroRange(offset, length, mode.keepSize());
            contentChanged(ctx, file, false);
        } else {
            file.data().allocate(offset, length, mode.keepSize());
            file.changed(now());
        }
    }

    /** FUSE_LSEEK with SEEK_DATA or SEEK_HOLE (the driver answers the other whences itself). */
    long lseek(long nodeid, long fh, long offset, Whence whence) {
        FileInode file = regular(files.get(fh, nodeid).inode());
        return switch (whence) {
            case DATA -> file.data().seekData(offset);
            case HOLE -> file.data().seekHole(offset);
            case SET, CUR, END -> throw new ErrnoException(Errno.EINVAL, "lseek whence " + whence
                    + " is the driver's to answer");
        };
    }

    /**
     * FUSE_COPY_FILE_RANGE: copies between two open regular files (or two ranges of one that do
     * not overlap), keeping holes; short when the capacity runs out.
     */
    long copyFileRange(Context ctx, CopyFileRangeRequest request) {
        if (request.flags() != 0) {
            throw new ErrnoException(Errno.EINVAL, "copy_file_range flags " + request.flags());
        }
        OpenFile in = files.get(request.fhIn(), request.nodeIn());
        OpenFile out = files.get(request.fhOut(), request.nodeOut());
        if (!in.flags().canRead() || !out.flags().canWrite() || out.flags().append()) {
            throw new ErrnoException(Errno.EBADF, "copy_file_range needs a readable source and a writable, non-append target");
        }
        FileInode src = regular(in.inode());
        FileInode dst = regular(out.inode());
        long copied = copyLocking(src, request.offsetIn(), dst, request.offsetOut(), request.length());
        if (copied > 0) {
            contentChanged(ctx, dst, false);
            if (!in.noAtime()) {
                src.accessed(now(), config.atimePolicy());
            }
        }
        return copied;
    }

    /** Locks the source for reading and the target for writing, lower nodeid first. */
    private long copyLocking(FileInode src, long srcOffset, FileInode dst, long dstOffset, long length) {
        Lock first;
        Lock second;
        if (src == dst) {
            first = src.data().writeLock();
            second = null;
        } else if (src.id() < dst.id()) {
            first = src.data().readLock();
            second = dst.data().writeLock();
        } else {
            first = dst.data().writeLock();
            second = src.data().readLock();
        }
        first.lock();
        try {
            if (second != null) {
                second.lock();
            }
            try {
                return FileData.copyLocked(src.data(), srcOffset, dst.data(), dstOffset, length, config.maxFileSize());
            } finally {
                if (second != null) {
                    second.unlock();
                }
            }
        } finally {
            first.unlock();
        }
    }

    /**
     * The data of {@code file} changed: mtime = ctime = now, and set-user-ID / set-group-ID go
     * when a caller other than root wrote, or the driver asked ({@code killFlag}).
     */
    private void contentChanged(Context ctx, FileInode file, boolean killFlag) {
        Instant now = now();
        file.lockMeta();
        try {
            file.setMtimeLocked(now);
            file.setCtimeLocked(now);
            int bits = file.permissionsLocked();
            if ((bits & (Inode.S_ISUID | Inode.S_ISGID)) != 0 && Ownership.writeKillsPrivileges(ctx, killFlag)) {
                file.setPermissionsLocked(Ownership.withoutPrivileges(bits));
            }
            file.publishLocked();
        } finally {
            file.unlockMeta();
        }
    }

    /** The regular file behind a handle: {@code EISDIR} for directories, {@code EINVAL} otherwise. */
    private static FileInode regular(Inode inode) {
        return switch (inode) {
            case FileInode file -> file;
            case DirectoryInode dir -> throw new ErrnoException(Errno.EISDIR, "node " + dir.id() + " is a directory");
            default -> throw new ErrnoException(Errno.EINVAL, inode + " is not a regular file");
        };
    }

    private Instant now() {
        return config.clock().instant();
    }
}
