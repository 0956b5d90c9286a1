package io.virtiofs.examples.memfs;

import java.time.Instant;
import java.util.Objects;

/**
 * The starting metadata of a new inode.
 *
 * @param uid the owner
 * @param gid the group
 * @param permissions the permission and special bits ({@code 07777}), without the type
 * @param nlink the starting link count (1 for a file, 2 for a directory, 0 for an O_TMPFILE file)
 * @param lookups the starting lookup count: 1 when the inode is created by a request whose reply
 *     carries its entry, 0 for the root
 * @param now the creation time: atime, mtime, ctime and birth time
 */
record InodeInit(int uid, int gid, int permissions, int nlink, long lookups, Instant now) {

    InodeInit {
        Objects.requireNonNull(now, "now");
        if ((permissions & ~07777) != 0) {
            throw new IllegalArgumentException("permissions 0" + Integer.toOctalString(permissions)
                    + " have bits outside 07777");
        }
        if (nlink < 0 || lookups < 0) {
            throw new IllegalArgumentException("nlink " + nlink + " and lookups " + lookups + " must be >= 0");
        }
    }
}
