package io.virtiofs.examples.memfs;

import io.virtiofs.api.OpenFlags;
import java.util.Objects;

/**
 * An open file or directory: what a file handle ({@code fh}) names.
 *
 * @param fh the handle given to the driver
 * @param inode the node it is open on (kept alive by the handle, even when unlinked)
 * @param flags the {@code open(2)} flags it was opened with
 */
record OpenFile(long fh, Inode inode, OpenFlags flags) {

    OpenFile {
        Objects.requireNonNull(inode, "inode");
        Objects.requireNonNull(flags, "flags");
    }

    /** Whether reads through this handle leave the access time alone (O_NOATIME). */
    boolean noAtime() {
        return flags.has(OpenFlags.O_NOATIME);
    }
}
