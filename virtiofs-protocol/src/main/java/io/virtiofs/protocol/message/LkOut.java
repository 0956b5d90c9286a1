package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.FileLock;
import io.virtiofs.protocol.WireFormat;
import java.util.Objects;

/**
 * The reply to FUSE_GETLK ({@code struct fuse_lk_out}, {@value #SIZE} bytes).
 *
 * @param lock the first conflicting lock, or an {@code F_UNLCK} lock when none conflicts
 */
public record LkOut(FileLock lock) implements FuseReply {

    /** {@code sizeof(struct fuse_lk_out)}. */
    public static final int SIZE = 24;

    public LkOut {
        Objects.requireNonNull(lock, "lock");
    }

    @Override
    public int encodedSize(WireFormat format) {
        return SIZE;
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        FileLockCodec.encode(out, format.order(), lock);
    }

}
