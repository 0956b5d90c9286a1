/**
 * The Linux /dev/fuse transport: mounts a file system through the host kernel's FUSE client.
 */
@NullMarked
package io.virtiofs.transport.fuse;

import org.jspecify.annotations.NullMarked;
