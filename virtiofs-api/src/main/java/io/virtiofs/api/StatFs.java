package io.virtiofs.api;

/**
 * File system statistics ({@code struct fuse_kstatfs}), as {@code statfs(2)} shows them.
 *
 * @param blocks total blocks, in {@code frsize} units
 * @param bfree free blocks
 * @param bavail free blocks available to unprivileged users
 * @param files total inodes
 * @param ffree free inodes
 * @param bsize preferred block size
 * @param namelen longest name
 * @param frsize fragment size (the unit of the block counts)
 */
public record StatFs(long blocks, long bfree, long bavail, long files, long ffree, int bsize, int namelen, int frsize) {

    public StatFs {
        if (bfree > blocks || bavail > blocks) {
            throw new IllegalArgumentException("free blocks " + bfree + "/" + bavail + " exceed total " + blocks);
        }
        if (ffree > files) {
            throw new IllegalArgumentException("free inodes " + ffree + " exceed total " + files);
        }
    }
}
