package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.FileName;
import io.virtiofs.protocol.NotifyCode;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.Objects;

/**
 * FUSE_NOTIFY_INVAL_ENTRY ({@code struct fuse_notify_inval_entry_out}, then the name and NUL):
 * drop a cached name.
 *
 * @param parent the directory
 * @param flags {@link #EXPIRE_ONLY}
 * @param name the name
 */
public record NotifyInvalEntryOut(long parent, int flags, FileName name) implements FuseNotification {

    /** {@code sizeof(struct fuse_notify_inval_entry_out)}. */
    public static final int SIZE = 16;

    /** FUSE_EXPIRE_ONLY: only mark the name expired (with FUSE_HAS_EXPIRE_ONLY). */
    public static final int EXPIRE_ONLY = 1;

    public NotifyInvalEntryOut {
        Objects.requireNonNull(name, "name");
    }

    @Override
    public NotifyCode code() {
        return NotifyCode.INVAL_ENTRY;
    }

    @Override
    public int encodedSize(WireFormat format) {
        return SIZE + name.length() + 1;
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, parent);
        order.writeInt(out, name.length());
        order.writeInt(out, flags);
        NulTerminated.writeFileName(out, name);
    }

}
