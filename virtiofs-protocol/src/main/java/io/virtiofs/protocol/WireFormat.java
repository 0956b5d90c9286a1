package io.virtiofs.protocol;

import java.util.Objects;

/**
 * How one session's messages are laid out: the byte order, and the negotiated protocol minor
 * version and flags that decide the size of structs which grew over time.
 *
 * <p>Immutable; a session has one before INIT ({@link #forInit(WireOrder)}, the newest layouts)
 * and one after.
 *
 * @param order the session's byte order
 * @param minor the negotiated protocol minor version (7.minor)
 * @param setxattrExt whether FUSE_SETXATTR_EXT was negotiated (the extended setxattr_in)
 */
public record WireFormat(WireOrder order, int minor, boolean setxattrExt) {

    public WireFormat {
        Objects.requireNonNull(order, "order");
        if (minor < 0) {
            throw new IllegalArgumentException("minor version " + minor + " is negative");
        }
    }

    /** The format for decoding FUSE_INIT itself, before anything was negotiated. */
    public static WireFormat forInit(WireOrder order) {
        return new WireFormat(order, ProtocolVersion.MAX_MINOR, false);
    }

    /** The newest layouts in {@code order}, as a current driver and this library use them. */
    public static WireFormat current(WireOrder order) {
        return new WireFormat(order, ProtocolVersion.MAX_MINOR, true);
    }

    /** Whether the negotiated minor is at least {@code 7.minimumMinor}. */
    public boolean atLeast(int minimumMinor) {
        return minor >= minimumMinor;
    }
}
