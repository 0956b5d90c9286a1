package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.WireFormat;
import java.util.ArrayList;
import java.util.List;

/**
 * The reply to FUSE_READDIRPLUS: {@code struct fuse_direntplus} entries back to back, each padded
 * to 8 bytes. The server's hot path writes them with {@link DirentWriter}; this record is for
 * tests and drivers.
 *
 * @param entries the entries
 */
public record DirentplusOut(List<Direntplus> entries) implements FuseReply {

    public DirentplusOut {
        entries = List.copyOf(entries);
    }

    @Override
    public int encodedSize(WireFormat format) {
        int size = 0;
        for (Direntplus entry : entries) {
            size += entry.encodedSize(format);
        }
        return size;
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        for (Direntplus entry : entries) {
            entry.encode(out, format);
        }
    }

    /** Reads entries until {@code in} is used up (trusted input: the server reads back a reply it wrote when the reply could not be delivered). */
    public static DirentplusOut decode(ByteBuf in, WireFormat format) {
        List<Direntplus> entries = new ArrayList<>();
        while (in.isReadable()) {
            entries.add(Direntplus.decode(in, format));
        }
        return new DirentplusOut(entries);
    }
}
