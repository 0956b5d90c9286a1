package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.NotifyCode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;

/**
 * The body of a FUSE notification: a message the server sends unasked, with
 * {@code fuse_out_header.unique} 0 and the {@link NotifyCode} in {@code fuse_out_header.error}.
 *
 * <p>Each record has a static {@code decode(ByteBuf body, WireFormat format)}; like the Linux
 * driver, decoding answers a body that breaks the format with {@code EINVAL} (a
 * {@link MalformedRequestException}).
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

    /**
     * Decodes a whole notification message: {@code whole}'s readable bytes are exactly the message.
     *
     * @throws MalformedRequestException {@code EINVAL} when the header or body is malformed or the
     *     code unknown
     */
    static FuseNotification decodeMessage(ByteBuf whole, WireFormat format) {
        int available = whole.readableBytes();
        MalformedRequestException.requireReadable(whole, OutHeader.SIZE, "fuse_out_header");
        OutHeader header = OutHeader.decode(whole, format.order());
        if (Integer.toUnsignedLong(header.len()) != available) {
            throw MalformedRequestException.invalid("fuse_out_header.len " + Integer.toUnsignedString(header.len())
                    + " but the message has " + available + " bytes");
        }
        if (header.unique() != 0) {
            throw MalformedRequestException.invalid("a notification with unique " + header.unique());
        }
        NotifyCode code = NotifyCode.of(header.error()).orElseThrow(() -> MalformedRequestException.invalid(
                "notification code " + header.error() + " is unknown"));
        return decode(code, whole, format);
    }

    /** Decodes the body of a notification with {@code code}. */
    static FuseNotification decode(NotifyCode code, ByteBuf body, WireFormat format) {
        return switch (code) {
            case POLL -> NotifyPollOut.decode(body, format);
            case INVAL_INODE -> NotifyInvalInodeOut.decode(body, format);
            case INVAL_ENTRY -> NotifyInvalEntryOut.decode(body, format);
            case STORE -> NotifyStoreOut.decode(body, format);
            case RETRIEVE -> NotifyRetrieveOut.decode(body, format);
            case DELETE -> NotifyDeleteOut.decode(body, format);
            case RESEND -> NotifyResendOut.decode(body, format);
            case INC_EPOCH -> NotifyIncEpochOut.decode(body, format);
            case PRUNE -> NotifyPruneOut.decode(body, format);
        };
    }
}
