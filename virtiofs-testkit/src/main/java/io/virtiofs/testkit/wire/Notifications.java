package io.virtiofs.testkit.wire;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FileName;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.NotifyCode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.*;

/**
 * The driver's side of FUSE notifications: reads what a server sends unasked, as the Linux driver
 * does, answering a message that breaks the format with {@code EINVAL} (a
 * {@link MalformedRequestException}).
 */
public final class Notifications {

    private Notifications() {
    }

    /**
     * Decodes a whole notification message: {@code whole}'s readable bytes are exactly the message.
     *
     * @throws MalformedRequestException {@code EINVAL} when the header or body is malformed or the
     *     code unknown
     */
    public static FuseNotification decodeMessage(ByteBuf whole, WireFormat format) {
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
    public static FuseNotification decode(NotifyCode code, ByteBuf body, WireFormat format) {
        return switch (code) {
            case POLL -> notifyPollOut(body, format);
            case INVAL_INODE -> notifyInvalInodeOut(body, format);
            case INVAL_ENTRY -> notifyInvalEntryOut(body, format);
            case STORE -> notifyStoreOut(body, format);
            case RETRIEVE -> notifyRetrieveOut(body, format);
            case DELETE -> notifyDeleteOut(body, format);
            case RESEND -> notifyResendOut(body, format);
            case INC_EPOCH -> notifyIncEpochOut(body, format);
            case PRUNE -> notifyPruneOut(body, format);
        };
    }

    private static NotifyDeleteOut notifyDeleteOut(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, NotifyDeleteOut.SIZE, "fuse_notify_delete_out");
        WireOrder order = format.order();
        long parent = order.readLong(body);
        long child = order.readLong(body);
        long namelen = order.readUnsignedInt(body);
        body.skipBytes(4); // padding
        return new NotifyDeleteOut(parent, child, countedName(body, namelen, "name"));
    }

    private static NotifyIncEpochOut notifyIncEpochOut(ByteBuf body, WireFormat format) {
        return NotifyIncEpochOut.INSTANCE;
    }

    private static NotifyInvalEntryOut notifyInvalEntryOut(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, NotifyInvalEntryOut.SIZE, "fuse_notify_inval_entry_out");
        WireOrder order = format.order();
        long parent = order.readLong(body);
        long namelen = order.readUnsignedInt(body);
        int flags = order.readInt(body);
        return new NotifyInvalEntryOut(parent, flags, countedName(body, namelen, "name"));
    }

    private static NotifyInvalInodeOut notifyInvalInodeOut(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, NotifyInvalInodeOut.SIZE, "fuse_notify_inval_inode_out");
        WireOrder order = format.order();
        long ino = order.readLong(body);
        long off = order.readLong(body);
        long len = order.readLong(body);
        return new NotifyInvalInodeOut(ino, off, len);
    }

    private static NotifyPollOut notifyPollOut(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, NotifyPollOut.SIZE, "fuse_notify_poll_wakeup_out");
        return new NotifyPollOut(format.order().readLong(body));
    }

    private static NotifyPruneOut notifyPruneOut(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, NotifyPruneOut.SIZE, "fuse_notify_prune_out");
        WireOrder order = format.order();
        long count = order.readUnsignedInt(body);
        body.skipBytes(4 + 8); // padding, spare
        if (count * 8 != body.readableBytes()) {
            throw MalformedRequestException.invalid("prune of " + count + " nodes carries " + body.readableBytes()
                    + " bytes");
        }
        long[] nodeids = new long[(int) count];
        for (int i = 0; i < nodeids.length; i++) {
            nodeids[i] = order.readLong(body);
        }
        return new NotifyPruneOut(nodeids);
    }

    private static NotifyResendOut notifyResendOut(ByteBuf body, WireFormat format) {
        return NotifyResendOut.INSTANCE;
    }

    private static NotifyRetrieveOut notifyRetrieveOut(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, NotifyRetrieveOut.SIZE, "fuse_notify_retrieve_out");
        WireOrder order = format.order();
        long notifyUnique = order.readLong(body);
        long nodeid = order.readLong(body);
        long offset = order.readLong(body);
        int size = order.readInt(body);
        body.skipBytes(4); // padding
        return new NotifyRetrieveOut(notifyUnique, nodeid, offset, size);
    }

    private static NotifyStoreOut notifyStoreOut(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, NotifyStoreOut.SIZE, "fuse_notify_store_out");
        WireOrder order = format.order();
        long nodeid = order.readLong(body);
        long offset = order.readLong(body);
        long size = order.readUnsignedInt(body);
        body.skipBytes(4); // padding
        if (size != body.readableBytes()) {
            throw MalformedRequestException.invalid("store of " + size + " bytes carries " + body.readableBytes());
        }
        return new NotifyStoreOut(nodeid, offset, body.readSlice((int) size));
    }

    /** A name of {@code namelen} bytes and its NUL, which end the body. */
    private static FileName countedName(ByteBuf in, long namelen, String what) {
        if (namelen > FileName.MAX_LENGTH) {
            throw new MalformedRequestException(Errno.ENAMETOOLONG, what + " of " + namelen + " bytes exceeds "
                    + FileName.MAX_LENGTH);
        }
        if (namelen + 1 != in.readableBytes()) {
            throw MalformedRequestException.invalid(what + " of " + namelen + " bytes and its NUL, but "
                    + in.readableBytes() + " bytes follow");
        }
        byte[] bytes = new byte[(int) namelen];
        in.readBytes(bytes);
        if (in.readByte() != 0) {
            throw MalformedRequestException.invalid(what + " has no terminating NUL");
        }
        if (bytes.length == 0) {
            throw MalformedRequestException.invalid(what + " is empty");
        }
        for (byte b : bytes) {
            if (b == '/' || b == 0) {
                throw MalformedRequestException.invalid(what + (b == 0 ? " contains a NUL" : " contains '/'"));
            }
        }
        return FileName.of(bytes);
    }
}
