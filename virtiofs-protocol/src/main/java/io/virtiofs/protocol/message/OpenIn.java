package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * FUSE_OPEN's and FUSE_OPENDIR's request ({@code struct fuse_open_in}).
 *
 * @param flags the {@code open(2)} flags
 * @param openFlags {@link #KILL_SUIDGID}
 */
public record OpenIn(int flags, int openFlags) implements FuseRequest {

    /** {@code sizeof(struct fuse_open_in)}. */
    public static final int SIZE = 8;

    /** FUSE_OPEN_KILL_SUIDGID: clear set-user-ID and set-group-ID (an O_TRUNC open). */
    public static final int KILL_SUIDGID = 1;

    public static OpenIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_open_in");
        WireOrder order = format.order();
        return new OpenIn(order.readInt(body), order.readInt(body));
    }

}
