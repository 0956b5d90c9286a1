package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.NotifyCode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;

/**
 * The body of a FUSE notification: a message the server sends unasked, with
 * {@code fuse_out_header.unique} 0 and the {@link NotifyCode} in {@code fuse_out_header.error}.
 *
 * <p>Reading one is the driver's side: virtiofs-testkit's {@code Notifications}, which answers a
 * body that breaks the format with {@code EINVAL} as the Linux driver does.
 */
public sealed interface FuseNotification permits NotifyDeleteOut, NotifyIncEpochOut, NotifyInvalEntryOut,
        NotifyInvalInodeOut, NotifyPollOut, NotifyPruneOut, NotifyResendOut, NotifyRetrieveOut, NotifyStoreOut {

    /** The notification's code. */
    NotifyCode code();

    /** The number of bytes {@link #encode} writes. */
    int encodedSize(WireFormat format);

    /** Writes the body in {@code format}. */
    void encode(ByteBuf out, WireFormat format);

    /** Writes the whole message: {@code fuse_out_header} (unique 0, the code) and the body. */
    default void encodeMessage(ByteBuf out, WireFormat format) {
        OutHeader.encode(out, format.order(), OutHeader.SIZE + encodedSize(format), code().code(), 0);
        encode(out, format);
    }


}
