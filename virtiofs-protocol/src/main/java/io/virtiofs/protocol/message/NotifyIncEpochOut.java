package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.NotifyCode;
import io.virtiofs.protocol.WireFormat;

/** FUSE_NOTIFY_INC_EPOCH (7.44): a new epoch; cached names from earlier epochs are invalid. No body. */
public record NotifyIncEpochOut() implements FuseNotification {

    /** The one instance decoding returns. */
    public static final NotifyIncEpochOut INSTANCE = new NotifyIncEpochOut();

    @Override
    public NotifyCode code() {
        return NotifyCode.INC_EPOCH;
    }

    @Override
    public int encodedSize(WireFormat format) {
        return 0;
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
    }

}
