/**
 * The virtio-fs device model (virtio device 26): configuration space, hiprio and request queues, queue workers and the DAX window.
 */
@NullMarked
package io.virtiofs.transport.device;

import org.jspecify.annotations.NullMarked;
