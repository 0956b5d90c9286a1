/**
 * The transport-free FUSE server: one request's bytes in, one reply's bytes out, a
 * {@link io.virtiofs.api.FileSystem} in between.
 */
@NullMarked
package io.virtiofs.protocol.server;

import org.jspecify.annotations.NullMarked;
