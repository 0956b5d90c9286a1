package io.virtiofs.transport.internal.nativeio;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A {@code struct statx} that {@link NodeCalls#statx} fills, with its fields read in place: one
 * per thread, reused for every call, so a {@code statx} allocates nothing.
 *
 * <p>Field offsets are the kernel's ({@code <linux/stat.h>}), the same on every architecture.
 * Fields outside {@link #mask()} hold no information. Not thread-safe.
 */
public final class StatxBuffer {

    /** The size of {@code struct statx}. */
    public static final int SIZE = 256;

    /** STATX_TYPE. */
    public static final int STATX_TYPE = 0x1;
    /** STATX_MODE. */
    public static final int STATX_MODE = 0x2;
    /** STATX_BASIC_STATS: what {@code stat(2)} shows. */
    public static final int STATX_BASIC_STATS = 0x7ff;
    /** STATX_BTIME: the birth time. */
    public static final int STATX_BTIME = 0x800;
    /** STATX_MNT_ID: the mount id (Linux 5.8+). */
    public static final int STATX_MNT_ID = 0x1000;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final MemorySegment segment;

    /** A buffer in {@code arena}. */
    public StatxBuffer(Arena arena) {
        this.segment = arena.allocate(SIZE, 8);
    }

    MemorySegment segment() {
        return segment;
    }

    /** {@code stx_mask}: the fields filled. */
    public int mask() {
        return segment.get(INT, 0);
    }

    /** {@code stx_blksize}. */
    public int blksize() {
        return segment.get(INT, 4);
    }

    /** {@code stx_attributes}. */
    public long attributes() {
        return segment.get(LONG, 8);
    }

    /** {@code stx_nlink}. */
    public int nlink() {
        return segment.get(INT, 16);
    }

    /** {@code stx_uid}. */
    public int uid() {
        return segment.get(INT, 20);
    }

    /** {@code stx_gid}. */
    public int gid() {
        return segment.get(INT, 24);
    }

    /** {@code stx_mode}: type and permission bits. */
    public int mode() {
        return segment.get(SHORT, 28) & 0xffff;
    }

    /** {@code stx_ino}. */
    public long ino() {
        return segment.get(LONG, 32);
    }

    /** {@code stx_size}. */
    public long size() {
        return segment.get(LONG, 40);
    }

    /** {@code stx_blocks}: 512-byte blocks. */
    public long blocks() {
        return segment.get(LONG, 48);
    }

    /** {@code stx_attributes_mask}. */
    public long attributesMask() {
        return segment.get(LONG, 56);
    }

    /** {@code stx_atime.tv_sec}. */
    public long atimeSec() {
        return segment.get(LONG, 64);
    }

    /** {@code stx_atime.tv_nsec}. */
    public int atimeNsec() {
        return segment.get(INT, 72);
    }

    /** {@code stx_btime.tv_sec}. */
    public long btimeSec() {
        return segment.get(LONG, 80);
    }

    /** {@code stx_btime.tv_nsec}. */
    public int btimeNsec() {
        return segment.get(INT, 88);
    }

    /** {@code stx_ctime.tv_sec}. */
    public long ctimeSec() {
        return segment.get(LONG, 96);
    }

    /** {@code stx_ctime.tv_nsec}. */
    public int ctimeNsec() {
        return segment.get(INT, 104);
    }

    /** {@code stx_mtime.tv_sec}. */
    public long mtimeSec() {
        return segment.get(LONG, 112);
    }

    /** {@code stx_mtime.tv_nsec}. */
    public int mtimeNsec() {
        return segment.get(INT, 120);
    }

    /** {@code stx_rdev_major}. */
    public int rdevMajor() {
        return segment.get(INT, 128);
    }

    /** {@code stx_rdev_minor}. */
    public int rdevMinor() {
        return segment.get(INT, 132);
    }

    /** {@code stx_dev_major}. */
    public int devMajor() {
        return segment.get(INT, 136);
    }

    /** {@code stx_dev_minor}. */
    public int devMinor() {
        return segment.get(INT, 140);
    }

    /** {@code stx_mnt_id} (with {@link #STATX_MNT_ID} in the mask). */
    public long mountId() {
        return segment.get(LONG, 144);
    }

    /** The device holding the node as one number ({@code makedev} of glibc). */
    public long dev() {
        return makedev(devMajor(), devMinor());
    }

    /** The device number of a device node as one number ({@code makedev} of glibc). */
    public long rdev() {
        return makedev(rdevMajor(), rdevMinor());
    }

    /** glibc's {@code makedev}: the 64-bit {@code dev_t} of a major and minor number. */
    public static long makedev(int major, int minor) {
        long ma = major & 0xffff_ffffL;
        long mi = minor & 0xffff_ffffL;
        return ((ma & 0xffff_f000L) << 32) | ((ma & 0xfffL) << 8) | ((mi & 0xffff_ff00L) << 12) | (mi & 0xffL);
    }
}
