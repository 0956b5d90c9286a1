package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.WireFormat;

/**
 * The body of FUSE_READLINK, FUSE_STATFS and FUSE_DESTROY: nothing. Stray bytes a driver might
 * send are ignored.
 */
public record EmptyIn() implements FuseRequest {

    /** The one instance decoding returns. */
    public static final EmptyIn INSTANCE = new EmptyIn();

    public static EmptyIn decode(ByteBuf body, WireFormat format) {
        return INSTANCE;
    }

}
