package io.virtiofs.api;

/**
 * Extended attributes of a node ({@code struct fuse_statx}, bit-compatible with
 * {@code statx(2)}). Fields outside {@code mask} hold no information.
 *
 * @param mask {@code STATX_*} bits saying which fields are filled
 * @param blksize preferred I/O size
 * @param attributes {@code STATX_ATTR_*} flags
 * @param nlink hard links
 * @param uid owner
 * @param gid group
 * @param mode type and permissions (16 bits)
 * @param ino inode number
 * @param size size in bytes
 * @param blocks 512-byte blocks
 * @param attributesMask which {@code attributes} bits are supported
 * @param atime access time, seconds
 * @param atimeNsec access time, nanoseconds
 * @param btime birth time, seconds
 * @param btimeNsec birth time, nanoseconds
 * @param ctime change time, seconds
 * @param ctimeNsec change time, nanoseconds
 * @param mtime modification time, seconds
 * @param mtimeNsec modification time, nanoseconds
 * @param rdevMajor device number of a device node, major
 * @param rdevMinor device number of a device node, minor
 * @param devMajor device holding the node, major
 * @param devMinor device holding the node, minor
 */
public record Statx(int mask, int blksize, long attributes, int nlink, int uid, int gid, int mode, long ino,
                    long size, long blocks, long attributesMask,
                    long atime, int atimeNsec, long btime, int btimeNsec, long ctime, int ctimeNsec,
                    long mtime, int mtimeNsec, int rdevMajor, int rdevMinor, int devMajor, int devMinor) {

    public static final int STATX_TYPE = 0x1;
    public static final int STATX_MODE = 0x2;
    public static final int STATX_NLINK = 0x4;
    public static final int STATX_UID = 0x8;
    public static final int STATX_GID = 0x10;
    public static final int STATX_ATIME = 0x20;
    public static final int STATX_MTIME = 0x40;
    public static final int STATX_CTIME = 0x80;
    public static final int STATX_INO = 0x100;
    public static final int STATX_SIZE = 0x200;
    public static final int STATX_BLOCKS = 0x400;
    /** All of the above: what {@code stat(2)} shows. */
    public static final int STATX_BASIC_STATS = 0x7ff;
    public static final int STATX_BTIME = 0x800;

    public Statx {
        if ((mode & ~0xffff) != 0) {
            throw new IllegalArgumentException("statx mode 0" + Integer.toOctalString(mode) + " exceeds 16 bits");
        }
    }

    /** The basic fields from {@code attr}, with {@code btime} as birth time when it is known. */
    public static Statx fromAttr(Attr attr, long btime, int btimeNsec, boolean hasBtime) {
        int mask = STATX_BASIC_STATS | (hasBtime ? STATX_BTIME : 0);
        return new Statx(mask, attr.blksize(), 0, attr.nlink(), attr.uid(), attr.gid(), attr.mode(), attr.ino(),
                attr.size(), attr.blocks(), 0, attr.atime(), attr.atimeNsec(),
                hasBtime ? btime : 0, hasBtime ? btimeNsec : 0, attr.ctime(), attr.ctimeNsec(),
                attr.mtime(), attr.mtimeNsec(), (attr.rdev() >>> 8) & 0xfff, (attr.rdev() & 0xff) | ((attr.rdev() >>> 12) & 0xfff00),
                0, 0);
    }
}
