package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * FUSE_RELEASE's and FUSE_RELEASEDIR's request ({@code struct fuse_release_in}).
 *
 * @param fh the open file's handle
 * @param flags the open file's {@code open(2)} flags
 * @param releaseFlags {@link #FLUSH}, {@link #FLOCK_UNLOCK}
 * @param lockOwner the lock owner, with {@link #FLOCK_UNLOCK} or {@link #FLUSH}
 */
public record ReleaseIn(long fh, int flags, int releaseFlags, long lockOwner) implements FuseRequest {

    /** {@code sizeof(struct fuse_release_in)}. */
    public static final int SIZE = 24;

    /** FUSE_RELEASE_FLUSH: flush before releasing. */
    public static final int FLUSH = 1;
    /** FUSE_RELEASE_FLOCK_UNLOCK: drop the owner's flock locks. */
    public static final int FLOCK_UNLOCK = 1 << 1;

    public static ReleaseIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_release_in");
        WireOrder order = format.order();
        long fh = order.readLong(body);
        int flags = order.readInt(body);
        int releaseFlags = order.readInt(body);
        long lockOwner = order.readLong(body);
        return new ReleaseIn(fh, flags, releaseFlags, lockOwner);
    }

}
