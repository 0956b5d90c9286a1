package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * FUSE_SETUPMAPPING's request ({@code struct fuse_setupmapping_in}): map a file range into the
 * DAX window (virtio-fs specification, "Device Operation: DAX Window").
 *
 * @param fh the open file's handle
 * @param foffset the range's offset in the file
 * @param len the range's length
 * @param flags {@link #FLAG_WRITE}, {@link #FLAG_READ}
 * @param moffset the offset in the DAX window
 */
public record SetupmappingIn(long fh, long foffset, long len, long flags, long moffset) implements FuseRequest {

    /** {@code sizeof(struct fuse_setupmapping_in)}. */
    public static final int SIZE = 40;

    /** FUSE_SETUPMAPPING_FLAG_WRITE. */
    public static final long FLAG_WRITE = 1;
    /** FUSE_SETUPMAPPING_FLAG_READ. */
    public static final long FLAG_READ = 1 << 1;

    public static SetupmappingIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_setupmapping_in");
        WireOrder order = format.order();
        long fh = order.readLong(body);
        long foffset = order.readLong(body);
        long len = order.readLong(body);
        long flags = order.readLong(body);
        long moffset = order.readLong(body);
        return new SetupmappingIn(fh, foffset, len, flags, moffset);
    }

}
