package io.virtiofs.passthrough;

/**
 * Who a host inode is: device, inode number and mount. Two names of one inode (hard links) have
 * one key, so they are one node; a rename keeps the key, so the node keeps its nodeid. The mount
 * tells apart a directory bind-mounted twice (the same inode seen through two mounts).
 */
record InodeKey(long dev, long ino, long mountId) {
}
