package io.virtiofs.api;

import java.time.Duration;
import java.util.Objects;

/**
 * A directory entry resolved to a node ({@code struct fuse_entry_out}): the answer to lookup and to
 * every request that creates a node.
 *
 * <p>Each entry with a non-zero {@code nodeid} that reaches the driver adds one to the node's
 * lookup count; the driver gives counts back with FORGET, and the server passes them on to
 * {@link FileSystem#forget(long, long)}.
 *
 * @param nodeid the node's id in this session, never 1 unless it is the root; 0 only in a
 *     {@linkplain #negative(Duration) negative entry}
 * @param generation distinguishes reuses of the same nodeid (with NFS export)
 * @param attr the node's attributes
 * @param entryValidity how long the driver may cache the name
 * @param attrValidity how long it may cache the attributes
 */
public record Entry(long nodeid, long generation, Attr attr, Duration entryValidity, Duration attrValidity) {

    public Entry {
        Objects.requireNonNull(attr, "attr");
        Validity.check("entryValidity", entryValidity);
        Validity.check("attrValidity", attrValidity);
    }

    /** An entry whose attributes stay valid as long as the name. */
    public static Entry of(long nodeid, Attr attr, Duration validity) {
        return new Entry(nodeid, 0, attr, validity, validity);
    }

    /**
     * A negative entry: "no such name", cached by the driver for {@code validity} (a lookup
     * answered this way is not an error and counts nothing).
     */
    public static Entry negative(Duration validity) {
        return new Entry(0, 0, NEGATIVE_ATTR, validity, Duration.ZERO);
    }

    /** Whether this is a negative entry (nodeid 0). */
    public boolean isNegative() {
        return nodeid == 0;
    }

    private static final Attr NEGATIVE_ATTR = Attr.builder().build();
}
