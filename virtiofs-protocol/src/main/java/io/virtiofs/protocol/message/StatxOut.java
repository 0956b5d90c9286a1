package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Statx;
import io.virtiofs.api.StatxReply;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.Objects;

/**
 * The reply to FUSE_STATX ({@code struct fuse_statx_out} holding {@code struct fuse_statx}, 7.39;
 * {@value #SIZE} bytes). {@code struct fuse_statx} is bit-compatible with {@code statx(2)}'s
 * {@code struct statx}.
 *
 * @param attrValid cache validity, seconds
 * @param attrValidNsec cache validity, nanoseconds
 * @param flags reply flags (none defined yet)
 * @param statx the attributes
 */
public record StatxOut(long attrValid, int attrValidNsec, int flags, Statx statx) implements FuseReply {

    /** {@code sizeof(struct fuse_statx_out)}. */
    public static final int SIZE = 288;
    /** {@code sizeof(struct fuse_statx)}. */
    public static final int STATX_SIZE = 256;

    public StatxOut {
        Objects.requireNonNull(statx, "statx");
    }

    /** The reply for a file system's answer. */
    public static StatxOut of(StatxReply reply) {
        return new StatxOut(reply.validity().getSeconds(), reply.validity().getNano(), 0, reply.statx());
    }

    @Override
    public int encodedSize(WireFormat format) {
        return SIZE;
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, attrValid);
        order.writeInt(out, attrValidNsec);
        order.writeInt(out, flags);
        out.writeZero(16); // spare[2]
        order.writeInt(out, statx.mask());
        order.writeInt(out, statx.blksize());
        order.writeLong(out, statx.attributes());
        order.writeInt(out, statx.nlink());
        order.writeInt(out, statx.uid());
        order.writeInt(out, statx.gid());
        order.writeShort(out, statx.mode());
        order.writeShort(out, 0); // __spare0
        order.writeLong(out, statx.ino());
        order.writeLong(out, statx.size());
        order.writeLong(out, statx.blocks());
        order.writeLong(out, statx.attributesMask());
        writeTime(out, order, statx.atime(), statx.atimeNsec());
        writeTime(out, order, statx.btime(), statx.btimeNsec());
        writeTime(out, order, statx.ctime(), statx.ctimeNsec());
        writeTime(out, order, statx.mtime(), statx.mtimeNsec());
        order.writeInt(out, statx.rdevMajor());
        order.writeInt(out, statx.rdevMinor());
        order.writeInt(out, statx.devMajor());
        order.writeInt(out, statx.devMinor());
        out.writeZero(14 * 8); // __spare2
    }

    /** {@code struct fuse_sx_time}. */
    private static void writeTime(ByteBuf out, WireOrder order, long seconds, int nanos) {
        order.writeLong(out, seconds);
        order.writeInt(out, nanos);
        order.writeInt(out, 0); // __reserved
    }

}
