package io.virtiofs.testkit.wire;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Attr;
import io.virtiofs.api.FileLock;
import io.virtiofs.api.StatFs;
import io.virtiofs.api.Statx;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.*;
import java.util.ArrayList;
import java.util.List;

/**
 * The driver's side of FUSE replies: reads the body of a successful reply (what follows
 * {@code fuse_out_header}) at the size the session's minor version implies. Input is trusted: it
 * comes from the server under test, whose mistakes the assertions are there to catch.
 */
public final class Replies {

    private Replies() {
    }

    /** FUSE_INIT's reply, written for a session of {@code 7.minor} (its size depends on it). */
    public static InitOut initOut(ByteBuf in, WireFormat format) {
        WireOrder order = format.order();
        int major = order.readInt(in);
        int minor = order.readInt(in);
        int size = InitOut.size(minor);
        if (size == InitOut.SIZE_BEFORE_5) {
            return new InitOut(major, minor, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        }
        int maxReadahead = order.readInt(in);
        long flags = order.readInt(in) & 0xffff_ffffL;
        int maxBackground = order.readUnsignedShort(in);
        int congestionThreshold = order.readUnsignedShort(in);
        int maxWrite = order.readInt(in);
        if (size == InitOut.SIZE_BEFORE_23) {
            return new InitOut(major, minor, maxReadahead, flags, maxBackground, congestionThreshold, maxWrite,
                    0, 0, 0, 0, 0);
        }
        int timeGran = order.readInt(in);
        int maxPages = order.readUnsignedShort(in);
        int mapAlignment = order.readUnsignedShort(in);
        long flags2 = order.readInt(in) & 0xffff_ffffL;
        int maxStackDepth = order.readInt(in);
        int requestTimeout = order.readUnsignedShort(in);
        in.skipBytes(InitOut.SIZE - 42);
        if ((flags & io.virtiofs.protocol.InitFlag.INIT_EXT.bit()) != 0) {
            flags |= flags2 << 32;
        }
        return new InitOut(major, minor, maxReadahead, flags, maxBackground, congestionThreshold, maxWrite,
                timeGran, maxPages, mapAlignment, maxStackDepth, requestTimeout);
    }

    /** The reply to LOOKUP, MKNOD, MKDIR, SYMLINK, LINK. */
    public static EntryOut entryOut(ByteBuf in, WireFormat format) {
        return EntryOut.decode(in, format);
    }

    /** The reply to CREATE. */
    public static CreateOut createOut(ByteBuf in, WireFormat format) {
        return CreateOut.decode(in, format);
    }

    /** The reply to OPEN and OPENDIR. */
    public static OpenOut openOut(ByteBuf in, WireFormat format) {
        return OpenOut.decode(in, format);
    }

    /** The reply to READDIRPLUS. */
    public static DirentplusOut direntplusOut(ByteBuf in, WireFormat format) {
        return DirentplusOut.decode(in, format);
    }

    public static AttrOut attrOut(ByteBuf in, WireFormat format) {
        WireOrder order = format.order();
        long attrValid = order.readLong(in);
        int attrValidNsec = order.readInt(in);
        in.skipBytes(4);
        Attr attr = FuseAttrCodec.decode(in, format);
        return new AttrOut(attrValid, attrValidNsec, attr);
    }

    public static BmapOut bmapOut(ByteBuf in, WireFormat format) {
        return new BmapOut(format.order().readLong(in));
    }

    public static CopyFileRangeOut copyFileRangeOut(ByteBuf in, WireFormat format) {
        return new CopyFileRangeOut(format.order().readLong(in));
    }

    /** Takes every readable byte of {@code in}, as a slice of it. */
    public static DataOut dataOut(ByteBuf in, WireFormat format) {
        return new DataOut(in.readSlice(in.readableBytes()));
    }

    /** Reads entries until {@code in} is used up (the driver's side: trusted input). */
    public static DirentsOut direntsOut(ByteBuf in, WireFormat format) {
        List<Dirent> dirents = new ArrayList<>();
        while (in.isReadable()) {
            dirents.add(Dirent.decode(in, format));
        }
        return new DirentsOut(dirents);
    }

    public static GetxattrOut getxattrOut(ByteBuf in, WireFormat format) {
        int size = format.order().readInt(in);
        in.skipBytes(4); // padding
        return new GetxattrOut(size);
    }

    /** Decodes the reply; the output is every byte after the struct. */
    public static IoctlOut ioctlOut(ByteBuf in, WireFormat format) {
        WireOrder order = format.order();
        int result = order.readInt(in);
        int flags = order.readInt(in);
        int inIovs = order.readInt(in);
        int outIovs = order.readInt(in);
        byte[] data = new byte[in.readableBytes()];
        in.readBytes(data);
        return new IoctlOut(result, flags, inIovs, outIovs, data);
    }

    public static LkOut lkOut(ByteBuf in, WireFormat format) {
        return new LkOut(fileLock(in, format.order()));
    }

    public static LseekOut lseekOut(ByteBuf in, WireFormat format) {
        return new LseekOut(format.order().readLong(in));
    }

    public static PollOut pollOut(ByteBuf in, WireFormat format) {
        int revents = format.order().readInt(in);
        in.skipBytes(4); // padding
        return new PollOut(revents);
    }

    public static StatfsOut statfsOut(ByteBuf in, WireFormat format) {
        WireOrder order = format.order();
        long blocks = order.readLong(in);
        long bfree = order.readLong(in);
        long bavail = order.readLong(in);
        long files = order.readLong(in);
        long ffree = order.readLong(in);
        int bsize = order.readInt(in);
        int namelen = order.readInt(in);
        int frsize = 0;
        if (StatfsOut.size(format) == StatfsOut.SIZE) {
            frsize = order.readInt(in);
            in.skipBytes(StatfsOut.SIZE - 52);
        }
        return new StatfsOut(new StatFs(blocks, bfree, bavail, files, ffree, bsize, namelen, frsize));
    }

    public static StatxOut statxOut(ByteBuf in, WireFormat format) {
        WireOrder order = format.order();
        long attrValid = order.readLong(in);
        int attrValidNsec = order.readInt(in);
        int flags = order.readInt(in);
        in.skipBytes(16);
        int mask = order.readInt(in);
        int blksize = order.readInt(in);
        long attributes = order.readLong(in);
        int nlink = order.readInt(in);
        int uid = order.readInt(in);
        int gid = order.readInt(in);
        int mode = order.readUnsignedShort(in);
        in.skipBytes(2);
        long ino = order.readLong(in);
        long size = order.readLong(in);
        long blocks = order.readLong(in);
        long attributesMask = order.readLong(in);
        long atime = order.readLong(in);
        int atimeNsec = order.readInt(in);
        in.skipBytes(4);
        long btime = order.readLong(in);
        int btimeNsec = order.readInt(in);
        in.skipBytes(4);
        long ctime = order.readLong(in);
        int ctimeNsec = order.readInt(in);
        in.skipBytes(4);
        long mtime = order.readLong(in);
        int mtimeNsec = order.readInt(in);
        in.skipBytes(4);
        int rdevMajor = order.readInt(in);
        int rdevMinor = order.readInt(in);
        int devMajor = order.readInt(in);
        int devMinor = order.readInt(in);
        in.skipBytes(14 * 8);
        return new StatxOut(attrValid, attrValidNsec, flags, new Statx(mask, blksize, attributes, nlink, uid, gid,
                mode, ino, size, blocks, attributesMask, atime, atimeNsec, btime, btimeNsec, ctime, ctimeNsec,
                mtime, mtimeNsec, rdevMajor, rdevMinor, devMajor, devMinor));
    }

    public static WriteOut writeOut(ByteBuf in, WireFormat format) {
        int size = format.order().readInt(in);
        in.skipBytes(4); // padding
        return new WriteOut(size);
    }

    private static FileLock fileLock(ByteBuf in, WireOrder order) {
        long start = order.readLong(in);
        long end = order.readLong(in);
        int type = order.readInt(in);
        int pid = order.readInt(in);
        return new FileLock(start, end, type, pid);
    }
}
