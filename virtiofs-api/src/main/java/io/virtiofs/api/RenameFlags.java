package io.virtiofs.api;

/**
 * The flags of {@code renameat2(2)}.
 *
 * @param value the bits: {@link #NOREPLACE}, {@link #EXCHANGE}, {@link #WHITEOUT}
 */
public record RenameFlags(int value) {

    /** RENAME_NOREPLACE: fail with EEXIST instead of replacing the target. */
    public static final int NOREPLACE = 1;
    /** RENAME_EXCHANGE: swap the two names atomically; both must exist. */
    public static final int EXCHANGE = 1 << 1;
    /** RENAME_WHITEOUT: leave a whiteout (a 0:0 character device) at the source (overlayfs). */
    public static final int WHITEOUT = 1 << 2;

    /** A plain rename. */
    public static final RenameFlags NONE = new RenameFlags(0);

    /** Whether RENAME_NOREPLACE is set. */
    public boolean noReplace() {
        return (value & NOREPLACE) != 0;
    }

    /** Whether RENAME_EXCHANGE is set. */
    public boolean exchange() {
        return (value & EXCHANGE) != 0;
    }

    /** Whether RENAME_WHITEOUT is set. */
    public boolean whiteout() {
        return (value & WHITEOUT) != 0;
    }

    /** Whether bits other than the three known ones are set (answer EINVAL). */
    public boolean hasUnknownBits() {
        return (value & ~(NOREPLACE | EXCHANGE | WHITEOUT)) != 0;
    }
}
