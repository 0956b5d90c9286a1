package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.StatFs;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.Objects;

/**
 * The reply to FUSE_STATFS ({@code struct fuse_statfs_out} holding {@code struct fuse_kstatfs}):
 * {@value #SIZE} bytes from 7.4, {@value #SIZE_BEFORE_4} before (FUSE_COMPAT_STATFS_SIZE, no
 * {@code frsize}).
 *
 * @param statfs the statistics
 */
public record StatfsOut(StatFs statfs) implements FuseReply {

    /** {@code sizeof(struct fuse_statfs_out)}. */
    public static final int SIZE = 80;
    /** FUSE_COMPAT_STATFS_SIZE, before 7.4. */
    public static final int SIZE_BEFORE_4 = 48;

    public StatfsOut {
        Objects.requireNonNull(statfs, "statfs");
    }

    /** The size in a session of {@code format}. */
    public static int size(WireFormat format) {
        return format.atLeast(4) ? SIZE : SIZE_BEFORE_4;
    }

    @Override
    public int encodedSize(WireFormat format) {
        return size(format);
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, statfs.blocks());
        order.writeLong(out, statfs.bfree());
        order.writeLong(out, statfs.bavail());
        order.writeLong(out, statfs.files());
        order.writeLong(out, statfs.ffree());
        order.writeInt(out, statfs.bsize());
        order.writeInt(out, statfs.namelen());
        if (size(format) == SIZE) {
            order.writeInt(out, statfs.frsize());
            out.writeZero(SIZE - 52); // padding, spare[6]
        }
    }

}
