package io.virtiofs.api;

/**
 * What an {@code access(2)} asks for (FUSE_ACCESS): read, write and execute permission, or only
 * the node's existence when no bit is set.
 *
 * @param bits {@link #R_OK}, {@link #W_OK} and {@link #X_OK} as the driver sent them (other bits
 *     are kept, and ignored by the accessors)
 */
public record AccessMask(int bits) {

    /** Read permission. */
    public static final int R_OK = 4;
    /** Write permission. */
    public static final int W_OK = 2;
    /** Execute (search, for a directory) permission. */
    public static final int X_OK = 1;

    /** {@code F_OK}: whether the node exists, nothing more. */
    public static final AccessMask EXISTS = new AccessMask(0);

    /** The mask of {@code bits}. */
    public static AccessMask of(int bits) {
        return bits == 0 ? EXISTS : new AccessMask(bits);
    }

    /** Whether read permission is asked for. */
    public boolean read() {
        return (bits & R_OK) != 0;
    }

    /** Whether write permission is asked for. */
    public boolean write() {
        return (bits & W_OK) != 0;
    }

    /** Whether execute (search) permission is asked for. */
    public boolean execute() {
        return (bits & X_OK) != 0;
    }

    /** The read, write and execute bits alone ({@code R_OK | W_OK | X_OK} at most). */
    public int permissionBits() {
        return bits & (R_OK | W_OK | X_OK);
    }

    /** Whether only existence is asked for ({@code F_OK}). */
    public boolean existenceOnly() {
        return permissionBits() == 0;
    }
}
