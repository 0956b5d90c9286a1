package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.NotifyCode;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.Arrays;

/**
 * FUSE_NOTIFY_PRUNE (7.45; {@code struct fuse_notify_prune_out}, then {@code count} 64-bit node
 * ids): ask the driver to forget these nodes if it does not use them.
 *
 * @param nodeids the nodes; the record keeps its own copy
 */
public record NotifyPruneOut(long[] nodeids) implements FuseNotification {

    /** {@code sizeof(struct fuse_notify_prune_out)}. */
    public static final int SIZE = 16;

    public NotifyPruneOut {
        nodeids = nodeids.clone();
    }

    /** A copy of the node ids. */
    @Override
    public long[] nodeids() {
        return nodeids.clone();
    }

    @Override
    public NotifyCode code() {
        return NotifyCode.PRUNE;
    }

    @Override
    public int encodedSize(WireFormat format) {
        return SIZE + 8 * nodeids.length;
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeInt(out, nodeids.length);
        order.writeInt(out, 0);
        order.writeLong(out, 0); // spare
        for (long nodeid : nodeids) {
            order.writeLong(out, nodeid);
        }
    }


    @Override
    public boolean equals(Object other) {
        return other instanceof NotifyPruneOut that && Arrays.equals(nodeids, that.nodeids);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(nodeids);
    }

    @Override
    public String toString() {
        return "NotifyPruneOut" + Arrays.toString(nodeids);
    }
}
