package io.virtiofs.api;

/**
 * The mode of {@code fallocate(2)}.
 *
 * @param value {@code FALLOC_FL_*} bits; 0 allocates and may extend the file
 */
public record FallocateMode(int value) {

    public static final int KEEP_SIZE = 0x01;
    public static final int PUNCH_HOLE = 0x02;
    public static final int NO_HIDE_STALE = 0x04;
    public static final int COLLAPSE_RANGE = 0x08;
    public static final int ZERO_RANGE = 0x10;
    public static final int INSERT_RANGE = 0x20;
    public static final int UNSHARE_RANGE = 0x40;

    public boolean has(int bit) {
        return (value & bit) == bit;
    }

    public boolean keepSize() {
        return has(KEEP_SIZE);
    }

    public boolean punchHole() {
        return has(PUNCH_HOLE);
    }

    public boolean zeroRange() {
        return has(ZERO_RANGE);
    }
}
