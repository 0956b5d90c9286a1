package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.IoctlReply;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * The reply to FUSE_IOCTL ({@code struct fuse_ioctl_out}, then the output data; with
 * {@code FUSE_IOCTL_RETRY} the data is {@code in_iovs + out_iovs} {@code struct fuse_ioctl_iovec}).
 *
 * @param result the ioctl's return value
 * @param flags {@code FUSE_IOCTL_*} bits
 * @param inIovs input iovecs of a retry
 * @param outIovs output iovecs of a retry
 * @param data the output; the record keeps its own copy
 */
public record IoctlOut(int result, int flags, int inIovs, int outIovs, byte[] data) implements FuseReply {

    /** {@code sizeof(struct fuse_ioctl_out)}. */
    public static final int SIZE = 16;

    public IoctlOut {
        data = data.clone();
    }

    /** The reply for a file system's answer to a restricted ioctl. */
    public static IoctlOut of(IoctlReply reply) {
        return new IoctlOut(reply.result(), 0, 0, 0, reply.output());
    }

    /** A copy of the output. */
    @Override
    public byte[] data() {
        return data.clone();
    }

    @Override
    public int encodedSize(WireFormat format) {
        return SIZE + data.length;
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeInt(out, result);
        order.writeInt(out, flags);
        order.writeInt(out, inIovs);
        order.writeInt(out, outIovs);
        out.writeBytes(data);
    }


    @Override
    public boolean equals(Object other) {
        return other instanceof IoctlOut that && result == that.result && flags == that.flags
                && inIovs == that.inIovs && outIovs == that.outIovs && Arrays.equals(data, that.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(result, flags, inIovs, outIovs) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "IoctlOut[result=" + result + ", flags=" + flags + ", inIovs=" + inIovs + ", outIovs=" + outIovs
                + ", " + data.length + " bytes]";
    }
}
