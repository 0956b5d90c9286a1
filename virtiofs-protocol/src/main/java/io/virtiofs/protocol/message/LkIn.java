package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.FileLock;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.Objects;

/**
 * The request of FUSE_GETLK, FUSE_SETLK and FUSE_SETLKW ({@code struct fuse_lk_in} with its
 * {@code struct fuse_file_lock}). A lock with an unknown type or an invalid range is
 * {@code EINVAL}.
 *
 * @param fh the open file's handle
 * @param owner the lock owner
 * @param lock the range and type
 * @param lkFlags {@link #FLOCK}
 */
public record LkIn(long fh, long owner, FileLock lock, int lkFlags) implements FuseRequest {

    /** {@code sizeof(struct fuse_lk_in)}. */
    public static final int SIZE = 48;

    /** FUSE_LK_FLOCK: a {@code flock(2)} lock. */
    public static final int FLOCK = 1;

    public LkIn {
        Objects.requireNonNull(lock, "lock");
    }

    public static LkIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_lk_in");
        WireOrder order = format.order();
        long fh = order.readLong(body);
        long owner = order.readLong(body);
        FileLock lock = FileLockCodec.decodeRequest(body, order);
        int lkFlags = order.readInt(body);
        body.skipBytes(4); // padding
        return new LkIn(fh, owner, lock, lkFlags);
    }

}
