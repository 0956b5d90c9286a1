package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.Objects;

/**
 * FUSE_NOTIFY_REPLY's request: the driver's answer to FUSE_NOTIFY_RETRIEVE
 * ({@code struct fuse_notify_retrieve_in}, then the data); {@code fuse_in_header.unique} is the
 * notification's {@code notify_unique}. It takes no reply.
 *
 * <p>{@code data} is a slice of the request buffer, valid as long as the request is.
 *
 * @param offset where the data starts in the file
 * @param size the number of bytes (unsigned), exactly {@code data}'s readable bytes
 * @param data the cached bytes
 */
public record NotifyReplyIn(long offset, int size, ByteBuf data) implements FuseRequest {

    /** {@code sizeof(struct fuse_notify_retrieve_in)}. */
    public static final int SIZE = 40;

    public NotifyReplyIn {
        Objects.requireNonNull(data, "data");
        if (Integer.toUnsignedLong(size) != data.readableBytes()) {
            throw new IllegalArgumentException("retrieve size " + Integer.toUnsignedString(size) + " but "
                    + data.readableBytes() + " bytes of data");
        }
    }

    public static NotifyReplyIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_notify_retrieve_in");
        WireOrder order = format.order();
        body.skipBytes(8); // dummy1
        long offset = order.readLong(body);
        int size = order.readInt(body);
        body.skipBytes(4 + 8 + 8); // dummy2, dummy3, dummy4
        if (Integer.toUnsignedLong(size) != body.readableBytes()) {
            throw MalformedRequestException.invalid("retrieve reply of " + Integer.toUnsignedString(size)
                    + " bytes carries " + body.readableBytes());
        }
        return new NotifyReplyIn(offset, size, body.readSlice(size));
    }

}
