/**
 * The driver's side of the FUSE wire: {@link io.virtiofs.testkit.wire.Requests} writes requests
 * as a Linux driver sends them, {@link io.virtiofs.testkit.wire.Replies} and
 * {@link io.virtiofs.testkit.wire.Notifications} read what a server sends back. The protocol
 * module holds the server's side (decoding requests, encoding replies and notifications) and the
 * message records both sides share.
 */
@NullMarked
package io.virtiofs.testkit.wire;

import org.jspecify.annotations.NullMarked;
