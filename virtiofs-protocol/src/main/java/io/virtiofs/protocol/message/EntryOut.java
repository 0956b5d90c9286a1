package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Attr;
import io.virtiofs.api.Entry;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.Objects;

/**
 * The reply to LOOKUP and to every request that creates a node ({@code struct fuse_entry_out}):
 * 128 bytes from 7.9, 120 before (FUSE_COMPAT_ENTRY_OUT_SIZE).
 *
 * @param nodeid the node, 0 for a negative entry
 * @param generation the nodeid's generation
 * @param entryValid name cache validity, seconds
 * @param attrValid attribute cache validity, seconds
 * @param entryValidNsec name cache validity, nanoseconds
 * @param attrValidNsec attribute cache validity, nanoseconds
 * @param attr the attributes
 */
public record EntryOut(long nodeid, long generation, long entryValid, long attrValid, int entryValidNsec,
                       int attrValidNsec, Attr attr) implements FuseReply {

    /** {@code sizeof(struct fuse_entry_out)}. */
    public static final int SIZE = 128;
    /** FUSE_COMPAT_ENTRY_OUT_SIZE. */
    public static final int SIZE_BEFORE_9 = 120;

    public EntryOut {
        Objects.requireNonNull(attr, "attr");
    }

    /** The reply for a file system's answer (an inode number of 0 becomes the nodeid). */
    public static EntryOut of(Entry entry) {
        Attr attr = entry.attr();
        if (attr.ino() == 0 && entry.nodeid() != 0) {
            attr = attr.toBuilder().ino(entry.nodeid()).build();
        }
        return new EntryOut(entry.nodeid(), entry.generation(),
                entry.entryValidity().getSeconds(), entry.attrValidity().getSeconds(),
                entry.entryValidity().getNano(), entry.attrValidity().getNano(), attr);
    }

    /** The size in a session of {@code format}. */
    public static int size(WireFormat format) {
        return format.atLeast(9) ? SIZE : SIZE_BEFORE_9;
    }

    @Override
    public int encodedSize(WireFormat format) {
        return size(format);
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, nodeid);
        order.writeLong(out, generation);
        order.writeLong(out, entryValid);
        order.writeLong(out, attrValid);
        order.writeInt(out, entryValidNsec);
        order.writeInt(out, attrValidNsec);
        FuseAttrCodec.encode(out, format, attr);
    }

    /**
     * Writes the reply for a file system's answer without making an {@link EntryOut} first (an
     * inode number of 0 is sent as the nodeid).
     */
    public static void encodeEntry(ByteBuf out, WireFormat format, Entry entry) {
        WireOrder order = format.order();
        order.writeLong(out, entry.nodeid());
        order.writeLong(out, entry.generation());
        order.writeLong(out, entry.entryValidity().getSeconds());
        order.writeLong(out, entry.attrValidity().getSeconds());
        order.writeInt(out, entry.entryValidity().getNano());
        order.writeInt(out, entry.attrValidity().getNano());
        FuseAttrCodec.encode(out, format, entry.attr(), entry.nodeid());
    }

    public static EntryOut decode(ByteBuf in, WireFormat format) {
        WireOrder order = format.order();
        long nodeid = order.readLong(in);
        long generation = order.readLong(in);
        long entryValid = order.readLong(in);
        long attrValid = order.readLong(in);
        int entryValidNsec = order.readInt(in);
        int attrValidNsec = order.readInt(in);
        Attr attr = FuseAttrCodec.decode(in, format);
        return new EntryOut(nodeid, generation, entryValid, attrValid, entryValidNsec, attrValidNsec, attr);
    }
}
