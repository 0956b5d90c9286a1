package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.WireFormat;

/**
 * The reply to FUSE_COPY_FILE_RANGE_64 (7.45) ({@code struct fuse_copy_file_range_out}, {@value #SIZE} bytes).
 *
 * @param bytesCopied the number of bytes copied (unsigned)
 */
public record CopyFileRangeOut(long bytesCopied) implements FuseReply {

    /** {@code sizeof(struct fuse_copy_file_range_out)}. */
    public static final int SIZE = 8;

    @Override
    public int encodedSize(WireFormat format) {
        return SIZE;
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        format.order().writeLong(out, bytesCopied);
    }

}
