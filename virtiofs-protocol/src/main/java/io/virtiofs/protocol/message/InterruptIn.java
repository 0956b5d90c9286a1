package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;

/**
 * FUSE_INTERRUPT's request ({@code struct fuse_interrupt_in}).
 *
 * @param unique the id of the request to interrupt
 */
public record InterruptIn(long unique) implements FuseRequest {

    /** {@code sizeof(struct fuse_interrupt_in)}. */
    public static final int SIZE = 8;

    public static InterruptIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_interrupt_in");
        return new InterruptIn(format.order().readLong(body));
    }

}
