package io.virtiofs.api;

/**
 * The answer to open, opendir and create ({@code struct fuse_open_out}).
 *
 * @param fh the file handle: any value the file system chooses; the driver passes it back with
 *     every request on this open file and with release
 * @param flags {@code FOPEN_*} bits telling the driver how to cache this open file
 */
public record OpenReply(long fh, int flags) {

    /** FOPEN_DIRECT_IO: bypass the page cache for this open file. */
    public static final int DIRECT_IO = 1;
    /** FOPEN_KEEP_CACHE: do not invalidate the data cache on open. */
    public static final int KEEP_CACHE = 1 << 1;
    /** FOPEN_NONSEEKABLE: the file is not seekable. */
    public static final int NONSEEKABLE = 1 << 2;
    /** FOPEN_CACHE_DIR: allow caching this directory. */
    public static final int CACHE_DIR = 1 << 3;
    /** FOPEN_STREAM: the file is stream-like (no file position at all). */
    public static final int STREAM = 1 << 4;
    /** FOPEN_NOFLUSH: do not send FLUSH when the file is closed. */
    public static final int NOFLUSH = 1 << 5;
    /** FOPEN_PARALLEL_DIRECT_WRITES: allow concurrent direct writes on the same inode. */
    public static final int PARALLEL_DIRECT_WRITES = 1 << 6;
    /** FOPEN_PASSTHROUGH: passthrough read/write for this open file (needs a backing id). */
    public static final int PASSTHROUGH = 1 << 7;

    private static final int KNOWN = (1 << 8) - 1;

    public OpenReply {
        if ((flags & ~KNOWN) != 0) {
            throw new IllegalArgumentException("unknown FOPEN flags 0x" + Integer.toHexString(flags & ~KNOWN));
        }
    }

    /** A handle with no FOPEN flags. */
    public static OpenReply of(long fh) {
        return new OpenReply(fh, 0);
    }
}
