package io.virtiofs.api;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * A file system served over FUSE: the service provider interface of this library.
 *
 * <p>Each method answers one FUSE request. Every method has a default that answers
 * {@code ENOSYS} ("not implemented"), so an implementation overrides what it supports and the
 * driver learns the rest honestly; for some requests (open, opendir, flush, fsync, ...) the driver
 * then stops asking and handles them itself.
 *
 * <p><b>Errors.</b> A method fails by throwing {@link ErrnoException}; the server answers with
 * its errno. Any other exception is a bug: the server answers {@code EIO} and logs it.
 *
 * <p><b>Nodes.</b> Nodes are named by a {@code long} nodeid chosen by the file system in the
 * {@link Entry} it answers; nodeid 1 ({@link #ROOT_ID}) is the root and exists from the start.
 * Every entry with a non-zero nodeid that reaches the driver counts one lookup; the driver gives
 * lookups back with {@link #forget}, after which (count zero) it never uses the nodeid again until
 * a new lookup returns it.
 *
 * <p><b>Threads.</b> Methods are called from several threads at once (one per queue, or a pool):
 * implementations must be thread-safe. The {@link Context} passed to a call is valid only during
 * that call.
 *
 * <p><b>Buffers.</b> {@link #read} and {@link #write} receive views of the transport's buffers
 * (guest memory for virtio-fs): write into or read from them during the call, and do not keep or
 * release them.
 *
 * <p><b>Arguments.</b> One rule throughout: a request record (with the node in it) when the wire
 * struct carries more than three fields a file system may need, plain arguments otherwise; twin
 * operations take the same form ({@link #release}/{@link #releasedir}, {@link #fsync}/
 * {@link #fsyncdir}, {@link #readdir}/{@link #readdirplus}, {@link #open}/{@link #opendir}).
 * Values with a meaning have a type ({@link Whence}, {@link AccessMask}, {@link PollEvents},
 * {@link FileType}, {@link FileName}, {@link XattrName}), not a bare int or String.
 *
 * <p><b>Mistakes the server catches.</b> Replies the driver would reject, or that would break the
 * whole mount, are caught where they are made: the request is answered {@code EIO} and one line
 * is logged naming the operation and the node. An {@link Attr} without a file type in its mode,
 * and an entry with nodeid 1 ({@link #ROOT_ID}) for anything but the root, are such mistakes. An
 * {@link Attr} whose {@code ino} is 0 is sent with the node's id as inode number instead.
 */
public interface FileSystem {

    /** The nodeid of the root directory. */
    long ROOT_ID = 1;

    private static ErrnoException notImplemented(String operation) {
        return new ErrnoException(Errno.ENOSYS, operation + " is not implemented by this file system");
    }

    // ------------------------------------------------------------------ session

    /**
     * FUSE_INIT: a session starts. Adjust what the session accepts (capabilities, sizes) and keep
     * the notifier if needed. The default accepts the server's defaults.
     */
    default void init(InitConfig config) {
    }

    /**
     * FUSE_DESTROY, or the end of the session (the device was reset, the mount went away): after
     * the remaining lookups were given back with {@link #forget}. A new session may follow with
     * {@link #init}.
     */
    default void destroy() {
    }

    // ------------------------------------------------------------------ names and nodes

    /**
     * FUSE_LOOKUP: resolve {@code name} in directory {@code parent}.
     *
     * @return the node, or a {@linkplain Entry#negative negative entry}; or throw {@code ENOENT}
     */
    default Entry lookup(Context ctx, long parent, FileName name) {
        throw notImplemented("lookup");
    }

    /**
     * FUSE_FORGET and FUSE_BATCH_FORGET: the driver gives back {@code nlookup} lookups of a node.
     * The server checks the counts: {@code nlookup} never exceeds what was looked up. Also called
     * for what remains when a session ends. Never fails (no reply is sent).
     */
    default void forget(long nodeid, long nlookup) {
    }

    /** FUSE_GETATTR: the node's attributes. */
    default AttrReply getattr(Context ctx, long nodeid) {
        throw notImplemented("getattr");
    }

    /**
     * FUSE_GETATTR with FUSE_GETATTR_FH ({@code fstat(2)}): the attributes of the node behind an
     * open file. The default ignores the handle and calls {@link #getattr(Context, long)}.
     */
    default AttrReply fgetattr(Context ctx, long nodeid, long fh) {
        return getattr(ctx, nodeid);
    }

    /** FUSE_SETATTR: change attributes (chmod, chown, truncate, utimes). */
    default AttrReply setattr(Context ctx, long nodeid, SetattrRequest request) {
        throw notImplemented("setattr");
    }

    /** FUSE_READLINK: a symbolic link's target. */
    default SymlinkTarget readlink(Context ctx, long nodeid) {
        throw notImplemented("readlink");
    }

    /** FUSE_SYMLINK: create a symbolic link {@code name} in {@code parent}. */
    default Entry symlink(Context ctx, long parent, FileName name, SymlinkTarget target) {
        throw notImplemented("symlink");
    }

    /**
     * FUSE_MKNOD: create a regular file, fifo, socket or device node.
     *
     * @param mode the type and permission bits, before {@link Context#umask()}
     * @param rdev the device number for device nodes
     */
    default Entry mknod(Context ctx, long parent, FileName name, int mode, int rdev) {
        throw notImplemented("mknod");
    }

    /** FUSE_MKDIR: create a directory ({@code mode} before {@link Context#umask()}). */
    default Entry mkdir(Context ctx, long parent, FileName name, int mode) {
        throw notImplemented("mkdir");
    }

    /** FUSE_UNLINK: remove a non-directory name. */
    default void unlink(Context ctx, long parent, FileName name) {
        throw notImplemented("unlink");
    }

    /** FUSE_RMDIR: remove an empty directory. */
    default void rmdir(Context ctx, long parent, FileName name) {
        throw notImplemented("rmdir");
    }

    /** FUSE_RENAME and FUSE_RENAME2. */
    default void rename(Context ctx, long parent, FileName name, long newParent, FileName newName, RenameFlags flags) {
        throw notImplemented("rename");
    }

    /** FUSE_LINK: a new name {@code newName} in {@code newParent} for node {@code nodeid}. */
    default Entry link(Context ctx, long nodeid, long newParent, FileName newName) {
        throw notImplemented("link");
    }

    // ------------------------------------------------------------------ files

    /**
     * FUSE_OPEN. Answering ENOSYS with {@link Capability#NO_OPEN_SUPPORT} negotiated tells the
     * driver to stop sending opens (it then uses handle 0).
     */
    default OpenReply open(Context ctx, long nodeid, OpenFlags flags) {
        throw notImplemented("open");
    }

    /**
     * FUSE_CREATE: create and open a regular file ({@code mode} before {@link Context#umask()}).
     * Answering ENOSYS makes the driver fall back to mknod and open.
     */
    default CreateReply create(Context ctx, long parent, FileName name, int mode, OpenFlags flags) {
        throw notImplemented("create");
    }

    /**
     * FUSE_READ: copy up to {@code request.size()} bytes from {@code request.offset()} into
     * {@code dst}, which has room for exactly that many ({@code dst.writeBytes(...)}, or
     * {@code dst.writeBytes(FileChannel, position, length)} to read a file straight into the
     * reply). What was read is what {@code dst}'s writer index advanced by: fewer bytes than asked
     * only at the end of the file (or for direct I/O).
     */
    default void read(Context ctx, ReadRequest request, ByteBuf dst) {
        throw notImplemented("read");
    }

    /**
     * FUSE_WRITE: write the readable bytes of {@code data} at {@code request.offset()}.
     *
     * @return the number of bytes written
     */
    default int write(Context ctx, WriteRequest request, ByteBuf data) {
        throw notImplemented("write");
    }

    /** FUSE_FLUSH: a close of one descriptor of an open file (may report delayed errors). */
    default void flush(Context ctx, long nodeid, long fh, long lockOwner) {
        throw notImplemented("flush");
    }

    /** FUSE_RELEASE: the last close of an open file. Errors are not reported to anyone. */
    default void release(Context ctx, ReleaseRequest request) {
    }

    /** FUSE_FSYNC: make the file's data (and, unless {@code datasync}, metadata) durable. */
    default void fsync(Context ctx, long nodeid, long fh, boolean datasync) {
        throw notImplemented("fsync");
    }

    /** FUSE_FALLOCATE: allocate, punch or zero a range. */
    default void fallocate(Context ctx, FallocateRequest request) {
        throw notImplemented("fallocate");
    }

    /**
     * FUSE_LSEEK: find data or a hole ({@link Whence#DATA}, {@link Whence#HOLE}; Linux answers the
     * other kinds itself).
     *
     * @return the offset found; throw {@code ENXIO} when there is none
     */
    default long lseek(Context ctx, long nodeid, long fh, long offset, Whence whence) {
        throw notImplemented("lseek");
    }

    /**
     * FUSE_COPY_FILE_RANGE and FUSE_COPY_FILE_RANGE_64: copy between open files.
     *
     * @return the number of bytes copied
     */
    default long copyFileRange(Context ctx, CopyFileRangeRequest request) {
        throw notImplemented("copy_file_range");
    }

    /** FUSE_BMAP: the device block of a file block (block-device-backed file systems). */
    default long bmap(Context ctx, long nodeid, int blocksize, long block) {
        throw notImplemented("bmap");
    }

    /** FUSE_IOCTL (restricted ioctls): {@code input} holds {@code request.inSize()} bytes. */
    default IoctlReply ioctl(Context ctx, IoctlRequest request, ByteBuf input) {
        throw notImplemented("ioctl");
    }

    /**
     * FUSE_POLL.
     *
     * @return the events ready now
     */
    default PollEvents poll(Context ctx, PollRequest request) {
        throw notImplemented("poll");
    }

    // ------------------------------------------------------------------ locks

    /**
     * FUSE_GETLK: the first lock that would conflict with {@code request.lock()}, or
     * {@link FileLock#unlocked()} when none does.
     */
    default FileLock getlk(Context ctx, LockRequest request) {
        throw notImplemented("getlk");
    }

    /**
     * FUSE_SETLK and FUSE_SETLKW: take or release a lock; wait for a conflict to go away when
     * {@code request.sleep()} (and give up with EINTR when the request is cancelled), otherwise
     * fail with {@code EAGAIN}.
     */
    default void setlk(Context ctx, LockRequest request) {
        throw notImplemented("setlk");
    }

    // ------------------------------------------------------------------ directories

    /**
     * FUSE_OPENDIR. Answering ENOSYS with {@link Capability#NO_OPENDIR_SUPPORT} negotiated tells
     * the driver to stop sending opendirs.
     */
    default OpenReply opendir(Context ctx, long nodeid, OpenFlags flags) {
        throw notImplemented("opendir");
    }

    /**
     * FUSE_READDIR: add entries from {@code offset} (0 for the start, otherwise a
     * {@code nextOffset} given earlier) until the sink is full or the directory ends.
     */
    default void readdir(Context ctx, long nodeid, long fh, long offset, DirectorySink sink) {
        throw notImplemented("readdir");
    }

    /**
     * FUSE_READDIRPLUS: like {@link #readdir}, with each entry's node (as lookup answers it). Only
     * sent when {@link Capability#DO_READDIRPLUS} is accepted.
     */
    default void readdirplus(Context ctx, long nodeid, long fh, long offset, DirectoryPlusSink sink) {
        throw notImplemented("readdirplus");
    }

    /** FUSE_RELEASEDIR: the last close of an open directory. */
    default void releasedir(Context ctx, ReleaseRequest request) {
    }

    /** FUSE_FSYNCDIR. */
    default void fsyncdir(Context ctx, long nodeid, long fh, boolean datasync) {
        throw notImplemented("fsyncdir");
    }

    // ------------------------------------------------------------------ extended attributes

    /** FUSE_SETXATTR: {@code value} is the caller's copy; the file system may keep it. */
    default void setxattr(Context ctx, long nodeid, XattrName name, byte[] value, XattrFlags flags) {
        throw notImplemented("setxattr");
    }

    /**
     * FUSE_GETXATTR: the attribute's value; throw {@code ENODATA} when it is absent. The server
     * answers size queries and {@code ERANGE} itself.
     */
    default byte[] getxattr(Context ctx, long nodeid, XattrName name) {
        throw notImplemented("getxattr");
    }

    /** FUSE_LISTXATTR: the attribute names (the server encodes and sizes the list). */
    default List<XattrName> listxattr(Context ctx, long nodeid) {
        throw notImplemented("listxattr");
    }

    /** FUSE_REMOVEXATTR; throw {@code ENODATA} when the attribute is absent. */
    default void removexattr(Context ctx, long nodeid, XattrName name) {
        throw notImplemented("removexattr");
    }

    // ------------------------------------------------------------------ the file system

    /** FUSE_STATFS. */
    default StatFs statfs(Context ctx, long nodeid) {
        throw notImplemented("statfs");
    }

    /** FUSE_ACCESS: check the permissions {@code mask} asks for, or only existence. */
    default void access(Context ctx, long nodeid, AccessMask mask) {
        throw notImplemented("access");
    }

    /** FUSE_SYNCFS: make everything durable. */
    default void syncfs(Context ctx, long nodeid) {
        throw notImplemented("syncfs");
    }

    /** FUSE_TMPFILE: create an unnamed regular file in {@code parent} and open it (O_TMPFILE). */
    default CreateReply tmpfile(Context ctx, long parent, int mode, OpenFlags flags) {
        throw notImplemented("tmpfile");
    }

    /** FUSE_STATX. */
    default StatxReply statx(Context ctx, StatxRequest request) {
        throw notImplemented("statx");
    }

    // ------------------------------------------------------------------ DAX

    /**
     * FUSE_SETUPMAPPING: map a range of an open file into the DAX window at
     * {@code request.windowOffset()}, through {@code window}.
     */
    default void setupmapping(Context ctx, SetupMappingRequest request, DaxWindow window) {
        throw notImplemented("setupmapping");
    }

    /**
     * FUSE_REMOVEMAPPING, once per range: remove the mapping at {@code windowOffset}. The default
     * unmaps the range from the window.
     */
    default void removemapping(Context ctx, long windowOffset, long length, DaxWindow window) {
        window.unmap(windowOffset, length);
    }
}
