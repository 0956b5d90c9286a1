package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.protocol.WireFormat;
import java.util.Objects;

/**
 * A reply of raw bytes: FUSE_READ's data, FUSE_READLINK's target, FUSE_GETXATTR's value,
 * FUSE_LISTXATTR's NUL-separated names.
 *
 * <p>Encoding copies {@code data}'s readable bytes without consuming them; the record neither
 * retains nor releases the buffer.
 *
 * @param data the bytes
 */
public record DataOut(ByteBuf data) implements FuseReply {

    public DataOut {
        Objects.requireNonNull(data, "data");
    }

    /** A reply of these bytes (wrapped, not copied). */
    public static DataOut of(byte[] bytes) {
        return new DataOut(Unpooled.wrappedBuffer(bytes));
    }

    @Override
    public int encodedSize(WireFormat format) {
        return data.readableBytes();
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        out.writeBytes(data, data.readerIndex(), data.readableBytes());
    }

}
