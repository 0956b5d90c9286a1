package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * FUSE_POLL's request ({@code struct fuse_poll_in}).
 *
 * @param fh the open file's handle
 * @param kh the driver's poll handle, for FUSE_NOTIFY_POLL
 * @param flags {@link #SCHEDULE_NOTIFY}
 * @param events the {@code poll(2)} events asked for
 */
public record PollIn(long fh, long kh, int flags, int events) implements FuseRequest {

    /** {@code sizeof(struct fuse_poll_in)}. */
    public static final int SIZE = 24;

    /** FUSE_POLL_SCHEDULE_NOTIFY: send FUSE_NOTIFY_POLL when the events happen. */
    public static final int SCHEDULE_NOTIFY = 1;

    public static PollIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_poll_in");
        WireOrder order = format.order();
        long fh = order.readLong(body);
        long kh = order.readLong(body);
        int flags = order.readInt(body);
        int events = order.readInt(body);
        return new PollIn(fh, kh, flags, events);
    }

}
