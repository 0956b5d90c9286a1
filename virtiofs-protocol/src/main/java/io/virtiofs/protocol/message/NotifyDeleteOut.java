package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.FileName;
import io.virtiofs.protocol.NotifyCode;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.Objects;

/**
 * FUSE_NOTIFY_DELETE ({@code struct fuse_notify_delete_out}, then the name and NUL): a name was
 * removed behind the driver's back.
 *
 * @param parent the directory
 * @param child the node the name pointed to
 * @param name the name
 */
public record NotifyDeleteOut(long parent, long child, FileName name) implements FuseNotification {

    /** {@code sizeof(struct fuse_notify_delete_out)}. */
    public static final int SIZE = 24;

    public NotifyDeleteOut {
        Objects.requireNonNull(name, "name");
    }

    @Override
    public NotifyCode code() {
        return NotifyCode.DELETE;
    }

    @Override
    public int encodedSize(WireFormat format) {
        return SIZE + name.length() + 1;
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, parent);
        order.writeLong(out, child);
        order.writeInt(out, name.length());
        order.writeInt(out, 0);
        NulTerminated.writeFileName(out, name);
    }

}
