/**
 * FUSE message bodies as records: one per kind of request body, reply body and notification, each
 * decoding and encoding itself in a session's {@link io.virtiofs.protocol.WireFormat}.
 */
@NullMarked
package io.virtiofs.protocol.message;

import org.jspecify.annotations.NullMarked;
