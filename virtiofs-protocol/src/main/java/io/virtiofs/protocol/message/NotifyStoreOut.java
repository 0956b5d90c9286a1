package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.NotifyCode;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.Objects;

/**
 * FUSE_NOTIFY_STORE ({@code struct fuse_notify_store_out}, then the data): put data into the
 * driver's cache of a file. {@code size} is {@code data}'s readable bytes.
 *
 * <p>Encoding copies {@code data}'s readable bytes without consuming them; decoding returns a
 * slice of the message.
 *
 * @param nodeid the file
 * @param offset where the data goes
 * @param data the bytes
 */
public record NotifyStoreOut(long nodeid, long offset, ByteBuf data) implements FuseNotification {

    /** {@code sizeof(struct fuse_notify_store_out)}. */
    public static final int SIZE = 24;

    public NotifyStoreOut {
        Objects.requireNonNull(data, "data");
    }

    @Override
    public NotifyCode code() {
        return NotifyCode.STORE;
    }

    @Override
    public int encodedSize(WireFormat format) {
        return SIZE + data.readableBytes();
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, nodeid);
        order.writeLong(out, offset);
        order.writeInt(out, data.readableBytes());
        order.writeInt(out, 0);
        out.writeBytes(data, data.readerIndex(), data.readableBytes());
    }

}
