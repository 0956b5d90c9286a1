package io.virtiofs.examples.memfs;

import io.virtiofs.api.FileType;
import java.util.Objects;

/**
 * What a request asks to create, before ownership rules apply ({@link Ownership#forNewNode}).
 *
 * @param type the node's type
 * @param permissions the requested {@code 07777} bits
 * @param umask the bits to remove ({@code Context.umask()}, or 0 for symlinks, which are never masked)
 * @param nlink the starting link count (2 for a directory, 0 for an O_TMPFILE file, else 1)
 */
record NodeSpec(FileType type, int permissions, int umask, int nlink) {

    NodeSpec {
        Objects.requireNonNull(type, "type");
        if ((permissions & ~07777) != 0 || (umask & ~0777) != 0) {
            throw new IllegalArgumentException("permissions 0" + Integer.toOctalString(permissions)
                    + " or umask 0" + Integer.toOctalString(umask) + " out of range");
        }
    }
}
