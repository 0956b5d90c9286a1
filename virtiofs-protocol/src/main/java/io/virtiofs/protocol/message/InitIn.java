package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Capability;
import io.virtiofs.protocol.InitFlag;
import io.virtiofs.protocol.InitFlags;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * FUSE_INIT's request ({@code struct fuse_init_in}): what the driver speaks and offers.
 *
 * <p>Its size grew: 8 bytes (major, minor) before 7.6, 16 bytes until 7.35, 64 bytes from 7.36
 * with {@code flags2}. The decoder reads what the driver sent, by the driver's own minor.
 *
 * @param major the driver's major version
 * @param minor the driver's minor version
 * @param maxReadahead the driver's largest readahead
 * @param flags the offered capabilities, 64 bits: {@code flags | flags2 << 32} ({@link InitFlags})
 */
public record InitIn(int major, int minor, int maxReadahead, long flags) implements FuseRequest {

    /** {@code sizeof(struct fuse_init_in)} from 7.36. */
    public static final int SIZE = 64;
    /** The size before 7.36 (no flags2). */
    public static final int SIZE_BEFORE_36 = 16;
    /** The size before 7.6 (only major and minor). */
    public static final int SIZE_BEFORE_6 = 8;

    /** The size of this struct as a driver speaking {@code major.minor} (unsigned numbers) sends it. */
    public static int size(int major, int minor) {
        if (Integer.compareUnsigned(major, 7) > 0 || Integer.compareUnsigned(minor, 36) >= 0) {
            return SIZE;
        }
        return Integer.compareUnsigned(minor, 6) >= 0 ? SIZE_BEFORE_36 : SIZE_BEFORE_6;
    }

    /** Whether the driver offered a capability. */
    public boolean offers(Capability capability) {
        return (flags & InitFlags.bit(capability)) != 0;
    }

    /** Whether the driver offers {@code flag}. */
    public boolean offers(InitFlag flag) {
        return (flags & flag.bit()) != 0;
    }

    /**
     * Decodes the body of an INIT request. The body may be longer than the driver's struct
     * (future fields); it may not be shorter.
     */
    public static InitIn decode(ByteBuf body, WireFormat format) {
        WireOrder order = format.order();
        MalformedRequestException.requireReadable(body, SIZE_BEFORE_6, "fuse_init_in");
        int major = order.readInt(body);
        int minor = order.readInt(body);
        int expected = size(major, minor);
        if (Integer.compareUnsigned(major, 7) < 0) {
            // Too old to know what follows: the server refuses the session with EPROTO.
            return new InitIn(major, minor, 0, 0);
        }
        MalformedRequestException.requireReadable(body, expected - SIZE_BEFORE_6, "fuse_init_in of 7." + minor);
        if (expected == SIZE_BEFORE_6) {
            return new InitIn(major, minor, 0, 0);
        }
        int maxReadahead = order.readInt(body);
        long flags = order.readInt(body) & 0xffff_ffffL;
        if (expected == SIZE) {
            long flags2 = order.readInt(body) & 0xffff_ffffL;
            if ((flags & InitFlag.INIT_EXT.bit()) != 0) {
                flags |= flags2 << 32;
            }
            body.skipBytes(SIZE - 20); // unused[11]
        }
        return new InitIn(major, minor, maxReadahead, flags);
    }

}
