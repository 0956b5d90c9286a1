package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.NotifyCode;
import io.virtiofs.protocol.WireFormat;

/**
 * FUSE_NOTIFY_POLL ({@code struct fuse_notify_poll_wakeup_out}): wake the poll waiters of a
 * handle.
 *
 * @param kh the driver's poll handle ({@link PollIn#kh()})
 */
public record NotifyPollOut(long kh) implements FuseNotification {

    /** {@code sizeof(struct fuse_notify_poll_wakeup_out)}. */
    public static final int SIZE = 8;

    @Override
    public NotifyCode code() {
        return NotifyCode.POLL;
    }

    @Override
    public int encodedSize(WireFormat format) {
        return SIZE;
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        format.order().writeLong(out, kh);
    }

}
