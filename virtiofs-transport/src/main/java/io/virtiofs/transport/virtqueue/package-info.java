/**
 * The split virtqueue (VIRTIO 1.2 section 2.7): descriptor table, available and used rings, validated descriptor chains.
 */
@NullMarked
package io.virtiofs.transport.virtqueue;

import org.jspecify.annotations.NullMarked;
