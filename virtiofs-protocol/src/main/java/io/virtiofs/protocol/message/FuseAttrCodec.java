package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Attr;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * {@code struct fuse_attr}: 88 bytes from 7.9, 80 before (no {@code blksize} and {@code flags}).
 */
public final class FuseAttrCodec {

    /** {@code sizeof(struct fuse_attr)}. */
    public static final int SIZE = 88;
    /** The size before 7.9. */
    static final int SIZE_BEFORE_9 = 80;

    private FuseAttrCodec() {
    }

    static int size(WireFormat format) {
        return format.atLeast(9) ? SIZE : SIZE_BEFORE_9;
    }

    static void encode(ByteBuf out, WireFormat format, Attr attr) {
        encode(out, format, attr, attr.ino());
    }

    /**
     * Encodes {@code attr} with {@code inoIfZero} as its inode number when its own is 0 (a file
     * system that leaves {@code ino} unset gets the node's id).
     */
    static void encode(ByteBuf out, WireFormat format, Attr attr, long inoIfZero) {
        WireOrder order = format.order();
        long ino = attr.ino();
        order.writeLong(out, ino != 0 ? ino : inoIfZero);
        order.writeLong(out, attr.size());
        order.writeLong(out, attr.blocks());
        order.writeLong(out, attr.atime());
        order.writeLong(out, attr.mtime());
        order.writeLong(out, attr.ctime());
        order.writeInt(out, attr.atimeNsec());
        order.writeInt(out, attr.mtimeNsec());
        order.writeInt(out, attr.ctimeNsec());
        order.writeInt(out, attr.mode());
        order.writeInt(out, attr.nlink());
        order.writeInt(out, attr.uid());
        order.writeInt(out, attr.gid());
        order.writeInt(out, attr.rdev());
        if (format.atLeast(9)) {
            order.writeInt(out, attr.blksize());
            order.writeInt(out, attr.flags());
        }
    }

    public static Attr decode(ByteBuf in, WireFormat format) {
        WireOrder order = format.order();
        long ino = order.readLong(in);
        long size = order.readLong(in);
        long blocks = order.readLong(in);
        long atime = order.readLong(in);
        long mtime = order.readLong(in);
        long ctime = order.readLong(in);
        int atimeNsec = order.readInt(in);
        int mtimeNsec = order.readInt(in);
        int ctimeNsec = order.readInt(in);
        int mode = order.readInt(in);
        int nlink = order.readInt(in);
        int uid = order.readInt(in);
        int gid = order.readInt(in);
        int rdev = order.readInt(in);
        int blksize = 0;
        int flags = 0;
        if (format.atLeast(9)) {
            blksize = order.readInt(in);
            flags = order.readInt(in);
        }
        return new Attr(ino, size, blocks, atime, atimeNsec, mtime, mtimeNsec, ctime, ctimeNsec,
                mode, nlink, uid, gid, rdev, blksize, flags);
    }
}
