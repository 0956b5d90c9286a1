package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * The reply to FUSE_POLL ({@code struct fuse_poll_out}, {@value #SIZE} bytes).
 *
 * @param revents the {@code poll(2)} events that are ready
 */
public record PollOut(int revents) implements FuseReply {

    /** {@code sizeof(struct fuse_poll_out)}. */
    public static final int SIZE = 8;

    @Override
    public int encodedSize(WireFormat format) {
        return SIZE;
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeInt(out, revents);
        order.writeInt(out, 0);
    }

}
