package io.virtiofs.protocol;

import io.netty.buffer.ByteBuf;

/**
 * The header of every reply and notification ({@code struct fuse_out_header}, {@value #SIZE}
 * bytes).
 *
 * @param len the whole reply's length in bytes, header included
 * @param error 0, or a negated errno for an error reply; for a notification ({@code unique} 0)
 *     the positive notification code
 * @param unique the request id being answered; 0 for a notification
 */
public record OutHeader(int len, int error, long unique) {

    /** {@code sizeof(struct fuse_out_header)}. */
    public static final int SIZE = 16;

    /** Reads a header at the reader index; the caller checks that {@value #SIZE} bytes are readable. */
    public static OutHeader decode(ByteBuf in, WireOrder order) {
        int len = order.readInt(in);
        int error = order.readInt(in);
        long unique = order.readLong(in);
        return new OutHeader(len, error, unique);
    }

    /** Writes the header. */
    public void encode(ByteBuf out, WireOrder order) {
        encode(out, order, len, error, unique);
    }

    /** Writes a header from its fields, allocating nothing. */
    public static void encode(ByteBuf out, WireOrder order, int len, int error, long unique) {
        order.writeInt(out, len);
        order.writeInt(out, error);
        order.writeLong(out, unique);
    }
}
