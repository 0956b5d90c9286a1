package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.NotifyCode;
import io.virtiofs.protocol.WireFormat;

/** FUSE_NOTIFY_RESEND (7.40): resend every request still waiting for a reply (after a server restart). No body. */
public record NotifyResendOut() implements FuseNotification {

    /** The one instance decoding returns. */
    public static final NotifyResendOut INSTANCE = new NotifyResendOut();

    @Override
    public NotifyCode code() {
        return NotifyCode.RESEND;
    }

    @Override
    public int encodedSize(WireFormat format) {
        return 0;
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
    }

}
