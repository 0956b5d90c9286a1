package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * The request of FUSE_COPY_FILE_RANGE and FUSE_COPY_FILE_RANGE_64
 * ({@code struct fuse_copy_file_range_in}); the source node is {@code fuse_in_header.nodeid}.
 *
 * @param fhIn the source's open file handle
 * @param offIn where to read
 * @param nodeidOut the destination node
 * @param fhOut the destination's open file handle
 * @param offOut where to write
 * @param len how many bytes
 * @param flags the {@code copy_file_range(2)} flags (0 so far)
 */
public record CopyFileRangeIn(long fhIn, long offIn, long nodeidOut, long fhOut, long offOut, long len, long flags)
        implements FuseRequest {

    /** {@code sizeof(struct fuse_copy_file_range_in)}. */
    public static final int SIZE = 56;

    public static CopyFileRangeIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_copy_file_range_in");
        WireOrder order = format.order();
        long fhIn = order.readLong(body);
        long offIn = order.readLong(body);
        long nodeidOut = order.readLong(body);
        long fhOut = order.readLong(body);
        long offOut = order.readLong(body);
        long len = order.readLong(body);
        long flags = order.readLong(body);
        return new CopyFileRangeIn(fhIn, offIn, nodeidOut, fhOut, offOut, len, flags);
    }

}
