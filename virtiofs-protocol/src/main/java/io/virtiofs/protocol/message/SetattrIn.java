package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.SetattrRequest;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.Objects;

/**
 * FUSE_SETATTR's request ({@code struct fuse_setattr_in}, {@value #SIZE} bytes).
 *
 * @param request what changes; the {@code FATTR_*} bits of {@code valid} say which fields count
 */
public record SetattrIn(SetattrRequest request) implements FuseRequest {

    /** {@code sizeof(struct fuse_setattr_in)}. */
    public static final int SIZE = 88;

    public SetattrIn {
        Objects.requireNonNull(request, "request");
    }

    public static SetattrIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_setattr_in");
        WireOrder order = format.order();
        int valid = order.readInt(body);
        body.skipBytes(4); // padding
        long fh = order.readLong(body);
        long size = order.readLong(body);
        long lockOwner = order.readLong(body);
        long atime = order.readLong(body);
        long mtime = order.readLong(body);
        long ctime = order.readLong(body);
        int atimeNsec = order.readInt(body);
        int mtimeNsec = order.readInt(body);
        int ctimeNsec = order.readInt(body);
        int mode = order.readInt(body);
        body.skipBytes(4); // unused4
        int uid = order.readInt(body);
        int gid = order.readInt(body);
        body.skipBytes(4); // unused5
        return new SetattrIn(new SetattrRequest(valid, fh, size, lockOwner, atime, atimeNsec, mtime, mtimeNsec,
                ctime, ctimeNsec, mode, uid, gid));
    }

}
