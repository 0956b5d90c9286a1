package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.Objects;

/**
 * FUSE_WRITE's request ({@code struct fuse_write_in}, then the data): {@value #SIZE} bytes from
 * 7.9, {@value #SIZE_BEFORE_9} before (FUSE_COMPAT_WRITE_IN_SIZE).
 *
 * <p>{@code data} is a slice of the request buffer, not a copy: it is valid only as long as the
 * request is, and nobody releases it separately.
 *
 * @param fh the open file's handle
 * @param offset where to write
 * @param size the number of bytes (unsigned), exactly {@code data}'s readable bytes
 * @param writeFlags {@code FUSE_WRITE_*} bits
 * @param lockOwner the lock owner, with {@code FUSE_WRITE_LOCKOWNER}
 * @param flags the open file's {@code open(2)} flags
 * @param data the bytes to write
 */
public record WriteIn(long fh, long offset, int size, int writeFlags, long lockOwner, int flags, ByteBuf data)
        implements FuseRequest {

    /** {@code sizeof(struct fuse_write_in)}. */
    public static final int SIZE = 40;
    /** FUSE_COMPAT_WRITE_IN_SIZE, before 7.9. */
    public static final int SIZE_BEFORE_9 = 24;

    public WriteIn {
        Objects.requireNonNull(data, "data");
        if (Integer.toUnsignedLong(size) != data.readableBytes()) {
            throw new IllegalArgumentException("write size " + Integer.toUnsignedString(size) + " but "
                    + data.readableBytes() + " bytes of data");
        }
    }

    /** The struct's size in a session of {@code format}. */
    public static int size(WireFormat format) {
        return format.atLeast(9) ? SIZE : SIZE_BEFORE_9;
    }

    public static WriteIn decode(ByteBuf body, WireFormat format) {
        int structSize = size(format);
        MalformedRequestException.requireReadable(body, structSize, "fuse_write_in");
        WireOrder order = format.order();
        long fh = order.readLong(body);
        long offset = order.readLong(body);
        int size = order.readInt(body);
        int writeFlags = order.readInt(body);
        long lockOwner = 0;
        int flags = 0;
        if (structSize == SIZE) {
            lockOwner = order.readLong(body);
            flags = order.readInt(body);
            body.skipBytes(4); // padding
        }
        if (Integer.toUnsignedLong(size) != body.readableBytes()) {
            throw MalformedRequestException.invalid("write of " + Integer.toUnsignedString(size) + " bytes carries "
                    + body.readableBytes());
        }
        return new WriteIn(fh, offset, size, writeFlags, lockOwner, flags, body.readSlice(size));
    }

}
