package io.virtiofs.api;

/**
 * The FUSE INIT capabilities a file system may want or decline ({@code FUSE_*} init flags, FUSE
 * 7.45): each changes what the driver sends or expects, so a file system asks for one in
 * {@link FileSystem#init(InitConfig)} only when it implements what it requires.
 *
 * <p>The flags that are the server's or the transport's business (big writes, max_pages, INIT's
 * second flags word, the extended setxattr request, DAX map alignment, FUSE over io_uring,
 * splice, backing-file passthrough, resend, request timeouts, and the obsolete and reserved bits)
 * are not here: the server negotiates them itself, and its negotiation record
 * ({@code io.virtiofs.protocol.server.Negotiation}) reports them.
 */
public enum Capability {
    /** Asynchronous read requests (several reads of one file in flight); on by default. */
    ASYNC_READ,
    /** POSIX record locks are implemented (getlk/setlk on non-flock locks). */
    POSIX_LOCKS,
    /** Open handles O_TRUNC itself. */
    ATOMIC_O_TRUNC,
    /** Lookups of "." and ".." work (NFS export). */
    EXPORT_SUPPORT,
    /** The file system applies the umask itself ({@link Context#umask()}). */
    DONT_MASK,
    /** flock(2) locks are implemented (LockRequest#isFlock). */
    FLOCK_LOCKS,
    /** ioctl on directories. */
    HAS_IOCTL_DIR,
    /** The driver invalidates cached data when mtime or size change; on by default. */
    AUTO_INVAL_DATA,
    /** READDIRPLUS is implemented. */
    DO_READDIRPLUS,
    /** Let the driver choose between readdir and readdirplus (with DO_READDIRPLUS). */
    READDIRPLUS_AUTO,
    /** Asynchronous direct I/O; on by default. */
    ASYNC_DIO,
    /** Writeback caching: the driver caches writes and sends them later. */
    WRITEBACK_CACHE,
    /** Open may answer ENOSYS to mean "no open needed" forever; on by default. */
    NO_OPEN_SUPPORT,
    /** Lookups and readdirs in one directory may run in parallel; on by default. */
    PARALLEL_DIROPS,
    /** The file system clears suid/sgid on write, chown and truncate itself. */
    HANDLE_KILLPRIV,
    /** POSIX ACLs in xattrs are supported. */
    POSIX_ACL,
    /** Reads from an aborted connection fail with ECONNABORTED. */
    ABORT_ERROR,
    /** The driver caches symlink targets. */
    CACHE_SYMLINKS,
    /** Opendir may answer ENOSYS to mean "no opendir needed" forever; on by default. */
    NO_OPENDIR_SUPPORT,
    /** Cached data is invalidated only by explicit notifications. */
    EXPLICIT_INVAL_DATA,
    /** Submounts (Attr#FLAG_SUBMOUNT). */
    SUBMOUNTS,
    /** Like HANDLE_KILLPRIV, with the kill flags in open, write and setattr. */
    HANDLE_KILLPRIV_V2,
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
    /** Explicitly no NFS export. */
    NO_EXPORT_SUPPORT,
    /** Idmapped mounts are allowed. */
    ALLOW_IDMAP
}
