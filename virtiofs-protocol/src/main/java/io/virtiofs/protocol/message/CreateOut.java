package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.CreateReply;
import io.virtiofs.protocol.WireFormat;
import java.util.Objects;

/**
 * The reply to FUSE_CREATE and FUSE_TMPFILE: {@code struct fuse_entry_out} then
 * {@code struct fuse_open_out}.
 *
 * @param entry the new node
 * @param open the open file
 */
public record CreateOut(EntryOut entry, OpenOut open) implements FuseReply {

    public CreateOut {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(open, "open");
    }

    /** The reply for a file system's answer. */
    public static CreateOut of(CreateReply reply) {
        return new CreateOut(EntryOut.of(reply.entry()), OpenOut.of(reply.open()));
    }

    @Override
    public int encodedSize(WireFormat format) {
        return EntryOut.size(format) + OpenOut.SIZE;
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        entry.encode(out, format);
        open.encode(out, format);
    }

    public static CreateOut decode(ByteBuf in, WireFormat format) {
        EntryOut entry = EntryOut.decode(in, format);
        return new CreateOut(entry, OpenOut.decode(in, format));
    }
}
