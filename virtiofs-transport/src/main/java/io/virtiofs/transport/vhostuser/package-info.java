/**
 * The vhost-user back-end: serves the virtio-fs device to a VMM (QEMU, cloud-hypervisor) over a
 * Unix socket (QEMU {@code docs/interop/vhost-user.rst}).
 *
 * <p>{@link io.virtiofs.transport.vhostuser.VhostUserBackend} is the public entry point. Inside:
 * {@code SocketListener} accepts one front-end at a time; {@code MessageChannel} reads and writes
 * whole messages with their descriptors ({@code SCM_RIGHTS}, through the internal
 * {@code SocketCalls}); {@code MessageCodec} turns payloads into {@code FrontEndMessage} records and
 * replies into bytes, with a typed {@code ProtocolFault} for anything malformed;
 * {@code VhostUserSession} drives the {@link io.virtiofs.transport.device.VirtioFsDevice} (features,
 * memory through {@code MemoryMap}, rings through {@code Vrings}, whose kick, call and err eventfds
 * are {@code EventFdKick} and {@code EventFdCall}).
 */
@NullMarked
package io.virtiofs.transport.vhostuser;

import org.jspecify.annotations.NullMarked;
