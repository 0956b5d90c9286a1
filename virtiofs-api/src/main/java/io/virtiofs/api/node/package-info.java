/**
 * The node layer: an easy way to write a file system as a tree of nodes, beside the full
 * {@link io.virtiofs.api.FileSystem} SPI.
 *
 * <p>A file system describes its nodes: a {@link io.virtiofs.api.node.DirectoryNode} that can
 * look up and list its children, a {@link io.virtiofs.api.node.FileNode} that can be read (and
 * written), a {@link io.virtiofs.api.node.SymlinkNode}; each overrides only what it needs, and
 * what it does not answers {@code EROFS} (a change) or {@code ENOSYS} (anything else).
 * {@link io.virtiofs.api.node.NodeFileSystem} serves such a tree as a
 * {@link io.virtiofs.api.FileSystem}: it owns the nodeids, the lookup counts the driver holds
 * and gives back with FORGET, the open file and directory handles, and directory offsets that
 * stay valid across calls.
 */
@NullMarked
package io.virtiofs.api.node;

import org.jspecify.annotations.NullMarked;
