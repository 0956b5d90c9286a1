package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.WireFormat;

/**
 * The body of a FUSE request: what follows {@code fuse_in_header} (and precedes the
 * extensions), one record per kind of body.
 *
 * <p>Each record has a static {@code decode(ByteBuf body, WireFormat format)} reading exactly the
 * body (the caller slices it to the length the header gives) and {@link #encode} writing it back,
 * so drivers in tests and benchmarks speak through the same code.
 */
public sealed interface FuseRequest permits InitIn, GetattrIn {

    /** Writes the body in {@code format}. */
    void encode(ByteBuf out, WireFormat format);
}
