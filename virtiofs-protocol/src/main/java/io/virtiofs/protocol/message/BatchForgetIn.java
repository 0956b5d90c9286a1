package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * FUSE_BATCH_FORGET's request ({@code struct fuse_batch_forget_in}, then {@code count}
 * {@code struct fuse_forget_one}). The count must match the body exactly, so a bogus count is
 * {@code EINVAL} before anything is allocated. It takes no reply.
 *
 * @param forgets the nodes and their lookup counts
 */
public record BatchForgetIn(List<ForgetOne> forgets) implements FuseRequest {

    /** {@code sizeof(struct fuse_batch_forget_in)}. */
    public static final int SIZE = 8;

    public BatchForgetIn {
        forgets = List.copyOf(forgets);
    }

    public static BatchForgetIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_batch_forget_in");
        WireOrder order = format.order();
        long count = order.readUnsignedInt(body);
        body.skipBytes(4); // dummy
        if (count * ForgetOne.SIZE != body.readableBytes()) {
            throw MalformedRequestException.invalid("batch forget of " + count + " nodes carries "
                    + body.readableBytes() + " bytes");
        }
        List<ForgetOne> forgets = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            forgets.add(ForgetOne.decode(body, order));
        }
        return new BatchForgetIn(forgets);
    }

}
