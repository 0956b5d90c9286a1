package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.WireFormat;

/**
 * The body of a FUSE reply: what follows {@code fuse_out_header} in a successful answer.
 *
 * <p>Each record writes itself at the size the session's negotiated minor implies and has a static
 * {@code decode(ByteBuf in, WireFormat format)} for the driver's side.
 */
public sealed interface FuseReply permits InitOut, AttrOut, EntryOut {

    /** The number of bytes {@link #encode} writes in {@code format}. */
    int encodedSize(WireFormat format);

    /** Writes the body in {@code format}. */
    void encode(ByteBuf out, WireFormat format);
}
