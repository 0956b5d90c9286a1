/**
 * The vhost-user back-end: serves the virtio-fs device to a VMM (QEMU, cloud-hypervisor) over a Unix socket.
 */
@NullMarked
package io.virtiofs.transport.vhostuser;

import org.jspecify.annotations.NullMarked;
