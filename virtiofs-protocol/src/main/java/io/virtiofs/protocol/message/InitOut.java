package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Capability;
import io.virtiofs.protocol.InitFlag;
import io.virtiofs.protocol.InitFlags;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * FUSE_INIT's reply ({@code struct fuse_init_out}): what the server accepted.
 *
 * <p>Written at the size the negotiated minor implies: 8 bytes before 7.5, 24 bytes before 7.23,
 * 64 bytes from 7.23. {@code flags2} (the high 32 bits of {@code flags}) is sent only with
 * {@link InitFlag#INIT_EXT}.
 *
 * @param major the server's major version (7)
 * @param minor the negotiated minor version
 * @param maxReadahead largest readahead
 * @param flags accepted capabilities, 64 bits
 * @param maxBackground most background requests
 * @param congestionThreshold background requests at which the driver reports congestion
 * @param maxWrite largest write
 * @param timeGran timestamp granularity, nanoseconds
 * @param maxPages largest request in pages (with {@link InitFlag#MAX_PAGES})
 * @param mapAlignment log2 of the DAX mapping alignment (with {@link InitFlag#MAP_ALIGNMENT})
 * @param maxStackDepth stacking depth for passthrough (with {@link InitFlag#PASSTHROUGH})
 * @param requestTimeout seconds after which the driver aborts a request (with
 *     {@link InitFlag#REQUEST_TIMEOUT}), 0 for never
 */
public record InitOut(int major, int minor, int maxReadahead, long flags, int maxBackground,
                      int congestionThreshold, int maxWrite, int timeGran, int maxPages, int mapAlignment,
                      int maxStackDepth, int requestTimeout) implements FuseReply {

    /** {@code sizeof(struct fuse_init_out)} from 7.23. */
    public static final int SIZE = 64;
    /** FUSE_COMPAT_22_INIT_OUT_SIZE, before 7.23. */
    public static final int SIZE_BEFORE_23 = 24;
    /** FUSE_COMPAT_INIT_OUT_SIZE, before 7.5. */
    public static final int SIZE_BEFORE_5 = 8;

    /** The size of this struct in a session of {@code 7.minor}. */
    public static int size(int minor) {
        if (minor >= 23) {
            return SIZE;
        }
        return minor >= 5 ? SIZE_BEFORE_23 : SIZE_BEFORE_5;
    }

    /** Whether a capability was accepted. */
    public boolean accepts(Capability capability) {
        return (flags & InitFlags.bit(capability)) != 0;
    }

    /** Whether the reply accepts {@code flag}. */
    public boolean accepts(InitFlag flag) {
        return (flags & flag.bit()) != 0;
    }

    @Override
    public int encodedSize(WireFormat format) {
        return size(minor);
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        int size = size(minor);
        order.writeInt(out, major);
        order.writeInt(out, minor);
        if (size == SIZE_BEFORE_5) {
            return;
        }
        order.writeInt(out, maxReadahead);
        order.writeInt(out, (int) flags);
        order.writeShort(out, maxBackground);
        order.writeShort(out, congestionThreshold);
        order.writeInt(out, maxWrite);
        if (size == SIZE_BEFORE_23) {
            return;
        }
        order.writeInt(out, timeGran);
        order.writeShort(out, maxPages);
        order.writeShort(out, mapAlignment);
        boolean ext = accepts(InitFlag.INIT_EXT);
        order.writeInt(out, ext ? (int) (flags >>> 32) : 0);
        order.writeInt(out, maxStackDepth);
        order.writeShort(out, requestTimeout);
        out.writeZero(SIZE - 42); // unused[11]
    }
}
