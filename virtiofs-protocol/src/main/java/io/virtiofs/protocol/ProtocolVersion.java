package io.virtiofs.protocol;

/**
 * A FUSE protocol version, {@code major.minor}.
 *
 * @param major 7 for every Linux FUSE driver so far
 * @param minor the feature level: struct sizes and opcodes depend on it
 */
public record ProtocolVersion(int major, int minor) implements Comparable<ProtocolVersion> {

    /** The major version this library speaks. */
    public static final int MAJOR = 7;

    /** The newest minor version this library speaks (Linux 6.x's FUSE 7.45). */
    public static final int MAX_MINOR = 45;

    /**
     * The oldest minor version served: 7.9 (Linux 2.6.24, 2008), where {@code fuse_attr},
     * {@code fuse_entry_out}, {@code fuse_read_in} and {@code fuse_write_in} took the layouts every
     * later driver uses. Older drivers are refused with EPROTO.
     */
    public static final int MIN_MINOR = 9;

    /** The version this library speaks. */
    public static final ProtocolVersion CURRENT = new ProtocolVersion(MAJOR, MAX_MINOR);

    public ProtocolVersion {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("protocol version " + major + "." + minor + " is negative");
        }
    }

    /** Whether this is at least {@code 7.minor}. */
    public boolean atLeast(int minimumMinor) {
        return major > MAJOR || major == MAJOR && minor >= minimumMinor;
    }

    @Override
    public int compareTo(ProtocolVersion other) {
        return major != other.major ? Integer.compare(major, other.major) : Integer.compare(minor, other.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
