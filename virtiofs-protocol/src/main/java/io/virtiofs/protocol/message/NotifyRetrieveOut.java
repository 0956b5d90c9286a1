package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.NotifyCode;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * FUSE_NOTIFY_RETRIEVE ({@code struct fuse_notify_retrieve_out}): ask for data in the driver's
 * cache of a file; the driver answers with a FUSE_NOTIFY_REPLY request ({@link NotifyReplyIn})
 * whose unique is {@code notifyUnique}.
 *
 * @param notifyUnique the id the answer carries
 * @param nodeid the file
 * @param offset where to start
 * @param size how many bytes (unsigned)
 */
public record NotifyRetrieveOut(long notifyUnique, long nodeid, long offset, int size) implements FuseNotification {

    /** {@code sizeof(struct fuse_notify_retrieve_out)}. */
    public static final int SIZE = 32;

    @Override
    public NotifyCode code() {
        return NotifyCode.RETRIEVE;
    }

    @Override
    public int encodedSize(WireFormat format) {
        return SIZE;
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, notifyUnique);
        order.writeLong(out, nodeid);
        order.writeLong(out, offset);
        order.writeInt(out, size);
        order.writeInt(out, 0);
    }

}
