package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.FileName;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.Objects;

/**
 * FUSE_RENAME2's request ({@code struct fuse_rename2_in}, then the old name, NUL, the new name,
 * NUL).
 *
 * @param newdir the directory the name moves to
 * @param flags {@code RENAME_NOREPLACE}, {@code RENAME_EXCHANGE}, {@code RENAME_WHITEOUT}
 * @param oldName the name in {@code fuse_in_header.nodeid}
 * @param newName the name in {@code newdir}
 */
public record Rename2In(long newdir, int flags, FileName oldName, FileName newName) implements FuseRequest {

    /** {@code sizeof(struct fuse_rename2_in)}. */
    public static final int SIZE = 16;

    public Rename2In {
        Objects.requireNonNull(oldName, "oldName");
        Objects.requireNonNull(newName, "newName");
    }

    public static Rename2In decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_rename2_in");
        WireOrder order = format.order();
        long newdir = order.readLong(body);
        int flags = order.readInt(body);
        body.skipBytes(4); // padding
        FileName oldName = NulTerminated.readFileName(body, "old name");
        FileName newName = NulTerminated.readLastFileName(body, "new name");
        return new Rename2In(newdir, flags, oldName, newName);
    }

}
