package io.virtiofs.api;

/**
 * Where {@code lseek(2)} measures from. Linux answers SET, CUR and END itself; a file system
 * hears of {@link #DATA} and {@link #HOLE} (FUSE_LSEEK), and may see the others from other
 * drivers.
 */
public enum Whence {
    /** {@code SEEK_SET}: the offset itself. */
    SET(0),
    /** {@code SEEK_CUR}: from the current position (only the driver knows it). */
    CUR(1),
    /** {@code SEEK_END}: from the end of the file. */
    END(2),
    /** {@code SEEK_DATA}: the next data at or after the offset. */
    DATA(3),
    /** {@code SEEK_HOLE}: the next hole at or after the offset (the end of the file counts as one). */
    HOLE(4);

    private final int value;

    Whence(int value) {
        this.value = value;
    }

    /** The {@code SEEK_*} number. */
    public int value() {
        return value;
    }

    /**
     * The whence numbered {@code value}.
     *
     * @throws ErrnoException {@code EINVAL} for a number that names none
     */
    public static Whence of(int value) {
        return switch (value) {
            case 0 -> SET;
            case 1 -> CUR;
            case 2 -> END;
            case 3 -> DATA;
            case 4 -> HOLE;
            default -> throw new ErrnoException(Errno.EINVAL, "lseek whence " + value + " is unknown");
        };
    }
}
