package io.virtiofs.api;

/**
 * The FUSE INIT capabilities ({@code FUSE_*} init flags, FUSE 7.45): what the driver offers and
 * what the file system wants.
 *
 * <p>Some are the server's business (marked "protocol"): it negotiates them itself. The others
 * change what the driver sends or expects, so a file system asks for them in
 * {@link FileSystem#init(InitConfig)} only when it implements what they require.
 */
public enum Capability {
    /** Asynchronous read requests (several reads of one file in flight). */
    ASYNC_READ,
    /** POSIX record locks are implemented (getlk/setlk on non-flock locks). */
    POSIX_LOCKS,
    /** Obsolete (FUSE_FILE_OPS); never negotiated. */
    FILE_OPS,
    /** Open handles O_TRUNC itself. */
    ATOMIC_O_TRUNC,
    /** Lookups of "." and ".." work (NFS export). */
    EXPORT_SUPPORT,
    /** Protocol: writes larger than 4 KiB. */
    BIG_WRITES,
    /** The file system applies the umask itself ({@link Context#umask()}). */
    DONT_MASK,
    /** Splice writes (/dev/fuse only; unused here). */
    SPLICE_WRITE,
    /** Splice moves (/dev/fuse only; unused here). */
    SPLICE_MOVE,
    /** Splice reads (/dev/fuse only; unused here). */
    SPLICE_READ,
    /** flock(2) locks are implemented (LockRequest#isFlock). */
    FLOCK_LOCKS,
    /** ioctl on directories. */
    HAS_IOCTL_DIR,
    /** The driver invalidates cached data when mtime or size change. */
    AUTO_INVAL_DATA,
    /** READDIRPLUS is implemented. */
    DO_READDIRPLUS,
    /** Let the driver choose between readdir and readdirplus (with DO_READDIRPLUS). */
    READDIRPLUS_AUTO,
    /** Asynchronous direct I/O. */
    ASYNC_DIO,
    /** Writeback caching: the driver caches writes and sends them later. */
    WRITEBACK_CACHE,
    /** Open may answer ENOSYS to mean "no open needed" forever. */
    NO_OPEN_SUPPORT,
    /** Lookups and readdirs in one directory may run in parallel. */
    PARALLEL_DIROPS,
    /** The file system clears suid/sgid on write, chown and truncate itself. */
    HANDLE_KILLPRIV,
    /** POSIX ACLs in xattrs are supported. */
    POSIX_ACL,
    /** Reads from an aborted connection fail with ECONNABORTED. */
    ABORT_ERROR,
    /** Protocol: max_pages in INIT is honoured (requests beyond 128 KiB). */
    MAX_PAGES,
    /** The driver caches symlink targets. */
    CACHE_SYMLINKS,
    /** Opendir may answer ENOSYS to mean "no opendir needed" forever. */
    NO_OPENDIR_SUPPORT,
    /** Cached data is invalidated only by explicit notifications. */
    EXPLICIT_INVAL_DATA,
    /** Protocol: map_alignment in INIT (DAX). */
    MAP_ALIGNMENT,
    /** Submounts (Attr#FLAG_SUBMOUNT). */
    SUBMOUNTS,
    /** Like HANDLE_KILLPRIV, with the kill flags in open, write and setattr. */
    HANDLE_KILLPRIV_V2,
    /** Protocol: the extended setxattr request carries setxattr_flags. */
    SETXATTR_EXT,
    /** Protocol: INIT carries a second 32-bit flags word. */
    INIT_EXT,
    /** Reserved; never negotiated. */
    INIT_RESERVED,
    /** Requests that create nodes carry security labels. */
    SECURITY_CTX,
    /** Per-inode DAX (Attr#FLAG_DAX). */
    HAS_INODE_DAX,
    /** Requests that create nodes carry the caller's matching supplementary group. */
    CREATE_SUPP_GROUP,
    /** Entry invalidation may only expire an entry (FUSE_EXPIRE_ONLY). */
    HAS_EXPIRE_ONLY,
    /** Shared mmap is allowed on direct-I/O files. */
    DIRECT_IO_ALLOW_MMAP,
    /** Passthrough I/O to backing files (/dev/fuse only). */
    PASSTHROUGH,
    /** Explicitly no NFS export. */
    NO_EXPORT_SUPPORT,
    /** The driver may resend pending requests (NOTIFY_RESEND). */
    HAS_RESEND,
    /** Idmapped mounts are allowed. */
    ALLOW_IDMAP,
    /** Requests over io_uring (/dev/fuse only; unused here). */
    OVER_IO_URING,
    /** The driver times requests out (request_timeout in INIT). */
    REQUEST_TIMEOUT
}
