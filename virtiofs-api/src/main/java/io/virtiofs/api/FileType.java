package io.virtiofs.api;

/**
 * The type of a node, with its {@code S_IFMT} bits (in {@code st_mode}) and its {@code DT_} value
 * (in directory entries).
 */
public enum FileType {
    FIFO(0010000, 1),
    CHARACTER_DEVICE(0020000, 2),
    DIRECTORY(0040000, 4),
    BLOCK_DEVICE(0060000, 6),
    REGULAR(0100000, 8),
    SYMLINK(0120000, 10),
    SOCKET(0140000, 12);

    /** The mask of the type bits in a mode. */
    public static final int S_IFMT = 0170000;

    private final int modeBits;
    private final int direntType;

    FileType(int modeBits, int direntType) {
        this.modeBits = modeBits;
        this.direntType = direntType;
    }

    /** The {@code S_IF*} bits of this type. */
    public int modeBits() {
        return modeBits;
    }

    /** The {@code DT_*} value of this type, as directory entries carry it. */
    public int direntType() {
        return direntType;
    }

    /** Whether {@code mode}'s type bits are this type. */
    public boolean matches(int mode) {
        return (mode & S_IFMT) == modeBits;
    }

    /**
     * The type in {@code mode}.
     *
     * @throws ErrnoException {@code EINVAL} when the type bits name no type
     */
    public static FileType ofMode(int mode) {
        return switch (mode & S_IFMT) {
            case 0010000 -> FIFO;
            case 0020000 -> CHARACTER_DEVICE;
            case 0040000 -> DIRECTORY;
            case 0060000 -> BLOCK_DEVICE;
            case 0100000 -> REGULAR;
            case 0120000 -> SYMLINK;
            case 0140000 -> SOCKET;
            default -> throw new ErrnoException(Errno.EINVAL,
                    "mode 0" + Integer.toOctalString(mode) + " has no file type");
        };
    }

    /** The {@code DT_*} value for {@code mode}, or 0 ({@code DT_UNKNOWN}) if the type bits name no type. */
    public static int direntTypeOfMode(int mode) {
        // A switch, not a loop over values(): that copies the array on every call.
        return switch (mode & S_IFMT) {
            case 0010000 -> 1;
            case 0020000 -> 2;
            case 0040000 -> 4;
            case 0060000 -> 6;
            case 0100000 -> 8;
            case 0120000 -> 10;
            case 0140000 -> 12;
            default -> 0;
        };
    }
}
