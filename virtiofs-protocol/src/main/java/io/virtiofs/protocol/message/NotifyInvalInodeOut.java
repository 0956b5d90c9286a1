package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.NotifyCode;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * FUSE_NOTIFY_INVAL_INODE ({@code struct fuse_notify_inval_inode_out}): drop a node's cached
 * attributes and a range of its cached data.
 *
 * @param ino the node
 * @param off the range's start; negative to drop only the attributes
 * @param len the range's length; 0 or less for "to the end"
 */
public record NotifyInvalInodeOut(long ino, long off, long len) implements FuseNotification {

    /** {@code sizeof(struct fuse_notify_inval_inode_out)}. */
    public static final int SIZE = 24;

    @Override
    public NotifyCode code() {
        return NotifyCode.INVAL_INODE;
    }

    @Override
    public int encodedSize(WireFormat format) {
        return SIZE;
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, ino);
        order.writeLong(out, off);
        order.writeLong(out, len);
    }

}
