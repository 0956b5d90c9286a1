package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.Objects;

/**
 * FUSE_IOCTL's request ({@code struct fuse_ioctl_in}, then {@code in_size} bytes of input).
 *
 * <p>{@code data} is a slice of the request buffer, valid as long as the request is.
 *
 * @param fh the open file's handle
 * @param flags {@code FUSE_IOCTL_*} bits
 * @param cmd the ioctl command
 * @param arg the caller's argument (a pointer value)
 * @param inSize bytes of input (unsigned), exactly {@code data}'s readable bytes
 * @param outSize bytes of output the caller accepts (unsigned)
 * @param data the input
 */
public record IoctlIn(long fh, int flags, int cmd, long arg, int inSize, int outSize, ByteBuf data)
        implements FuseRequest {

    /** {@code sizeof(struct fuse_ioctl_in)}. */
    public static final int SIZE = 32;

    public IoctlIn {
        Objects.requireNonNull(data, "data");
        if (Integer.toUnsignedLong(inSize) != data.readableBytes()) {
            throw new IllegalArgumentException("ioctl in_size " + Integer.toUnsignedString(inSize) + " but "
                    + data.readableBytes() + " bytes of data");
        }
    }

    public static IoctlIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_ioctl_in");
        WireOrder order = format.order();
        long fh = order.readLong(body);
        int flags = order.readInt(body);
        int cmd = order.readInt(body);
        long arg = order.readLong(body);
        int inSize = order.readInt(body);
        int outSize = order.readInt(body);
        if (Integer.toUnsignedLong(inSize) != body.readableBytes()) {
            throw MalformedRequestException.invalid("ioctl in_size " + Integer.toUnsignedString(inSize)
                    + " but the request carries " + body.readableBytes() + " bytes");
        }
        return new IoctlIn(fh, flags, cmd, arg, inSize, outSize, body.readSlice(inSize));
    }

}
