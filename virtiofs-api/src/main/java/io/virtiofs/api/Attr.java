package io.virtiofs.api;

/**
 * The attributes of a node ({@code struct fuse_attr}): what {@code stat(2)} shows.
 *
 * <p>Immutable; a file system may keep one per node and hand out the same instance until the
 * node changes. Times are seconds since the epoch plus nanoseconds (0..999,999,999).
 *
 * @param ino inode number shown to the driver's users ({@code st_ino})
 * @param size size in bytes
 * @param blocks 512-byte blocks allocated
 * @param atime access time, seconds
 * @param atimeNsec access time, nanoseconds
 * @param mtime modification time, seconds
 * @param mtimeNsec modification time, nanoseconds
 * @param ctime status change time, seconds
 * @param ctimeNsec status change time, nanoseconds
 * @param mode type and permission bits
 * @param nlink number of hard links
 * @param uid owner
 * @param gid group
 * @param rdev device number of a device node ({@code makedev(major, minor)} as Linux encodes it)
 * @param blksize preferred I/O size, or 0 to let the driver choose
 * @param flags {@link #FLAG_SUBMOUNT} and {@link #FLAG_DAX}
 */
public record Attr(long ino, long size, long blocks,
                   long atime, int atimeNsec, long mtime, int mtimeNsec, long ctime, int ctimeNsec,
                   int mode, int nlink, int uid, int gid, int rdev, int blksize, int flags) {

    /** FUSE_ATTR_SUBMOUNT: the node is the root of a submount (with {@link Capability#SUBMOUNTS}). */
    public static final int FLAG_SUBMOUNT = 1;
    /** FUSE_ATTR_DAX: use DAX for this file (with {@link Capability#HAS_INODE_DAX}). */
    public static final int FLAG_DAX = 2;

    public Attr {
        checkNsec("atimeNsec", atimeNsec);
        checkNsec("mtimeNsec", mtimeNsec);
        checkNsec("ctimeNsec", ctimeNsec);
        if (size < 0) {
            throw new IllegalArgumentException("size " + size + " is negative");
        }
        if (blocks < 0) {
            throw new IllegalArgumentException("blocks " + blocks + " is negative");
        }
    }

    private static void checkNsec(String what, int nsec) {
        if (nsec < 0 || nsec > 999_999_999) {
            throw new IllegalArgumentException(what + " " + nsec + " is outside 0..999999999");
        }
    }

    /** The node's type. */
    public FileType type() {
        return FileType.ofMode(mode);
    }

    /** A builder with every field 0. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this record's values. */
    public Builder toBuilder() {
        return new Builder().ino(ino).size(size).blocks(blocks)
                .atime(atime, atimeNsec).mtime(mtime, mtimeNsec).ctime(ctime, ctimeNsec)
                .mode(mode).nlink(nlink).uid(uid).gid(gid).rdev(rdev).blksize(blksize).flags(flags);
    }

    /** Builds an {@link Attr} field by field. */
    public static final class Builder {
        private long ino;
        private long size;
        private long blocks;
        private long atime;
        private int atimeNsec;
        private long mtime;
        private int mtimeNsec;
        private long ctime;
        private int ctimeNsec;
        private int mode;
        private int nlink;
        private int uid;
        private int gid;
        private int rdev;
        private int blksize;
        private int flags;

        private Builder() {
        }

        public Builder ino(long value) {
            ino = value;
            return this;
        }

        public Builder size(long value) {
            size = value;
            return this;
        }

        public Builder blocks(long value) {
            blocks = value;
            return this;
        }

        public Builder atime(long seconds, int nanos) {
            atime = seconds;
            atimeNsec = nanos;
            return this;
        }

        public Builder mtime(long seconds, int nanos) {
            mtime = seconds;
            mtimeNsec = nanos;
            return this;
        }

        public Builder ctime(long seconds, int nanos) {
            ctime = seconds;
            ctimeNsec = nanos;
            return this;
        }

        public Builder mode(int value) {
            mode = value;
            return this;
        }

        public Builder nlink(int value) {
            nlink = value;
            return this;
        }

        public Builder uid(int value) {
            uid = value;
            return this;
        }

        public Builder gid(int value) {
            gid = value;
            return this;
        }

        public Builder rdev(int value) {
            rdev = value;
            return this;
        }

        public Builder blksize(int value) {
            blksize = value;
            return this;
        }

        public Builder flags(int value) {
            flags = value;
            return this;
        }

        public Attr build() {
            return new Attr(ino, size, blocks, atime, atimeNsec, mtime, mtimeNsec, ctime, ctimeNsec,
                    mode, nlink, uid, gid, rdev, blksize, flags);
        }
    }
}
