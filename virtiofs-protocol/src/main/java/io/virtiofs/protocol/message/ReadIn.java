package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * The request of FUSE_READ, FUSE_READDIR and FUSE_READDIRPLUS ({@code struct fuse_read_in}):
 * {@value #SIZE} bytes from 7.9, {@value #SIZE_BEFORE_9} before (no {@code lock_owner} and
 * {@code flags}).
 *
 * @param fh the open file's handle
 * @param offset where to read (for directories: 0 or an offset an earlier entry gave)
 * @param size the most bytes to answer (unsigned)
 * @param readFlags {@link #LOCKOWNER}
 * @param lockOwner the lock owner, with {@link #LOCKOWNER}
 * @param flags the open file's {@code open(2)} flags
 */
public record ReadIn(long fh, long offset, int size, int readFlags, long lockOwner, int flags) implements FuseRequest {

    /** {@code sizeof(struct fuse_read_in)}. */
    public static final int SIZE = 40;
    /** The size before 7.9. */
    public static final int SIZE_BEFORE_9 = 24;

    /** FUSE_READ_LOCKOWNER: {@code lockOwner} is valid. */
    public static final int LOCKOWNER = 1 << 1;

    /** The struct's size in a session of {@code format}. */
    public static int size(WireFormat format) {
        return format.atLeast(9) ? SIZE : SIZE_BEFORE_9;
    }

    public static ReadIn decode(ByteBuf body, WireFormat format) {
        int structSize = size(format);
        MalformedRequestException.requireReadable(body, structSize, "fuse_read_in");
        WireOrder order = format.order();
        long fh = order.readLong(body);
        long offset = order.readLong(body);
        int size = order.readInt(body);
        int readFlags = order.readInt(body);
        long lockOwner = 0;
        int flags = 0;
        if (structSize == SIZE) {
            lockOwner = order.readLong(body);
            flags = order.readInt(body);
            body.skipBytes(4); // padding
        }
        return new ReadIn(fh, offset, size, readFlags, lockOwner, flags);
    }

}
