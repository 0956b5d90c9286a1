package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;

/**
 * The body of a FUSE reply: what follows {@code fuse_out_header} in a successful answer.
 *
 * <p>Each record writes itself at the size the session's negotiated minor implies. Reading a reply
 * is the driver's side: virtiofs-testkit's {@code Replies} (the few replies the server itself reads
 * back, when a reply could not be delivered, keep a {@code decode} here).
 */
public sealed interface FuseReply permits AttrOut, BmapOut, CopyFileRangeOut, CreateOut, DataOut, DirentplusOut,
        DirentsOut, EntryOut, GetxattrOut, InitOut, IoctlOut, LkOut, LseekOut, OpenOut, PollOut, StatfsOut,
        StatxOut, WriteOut {

    /** The number of bytes {@link #encode} writes in {@code format}. */
    int encodedSize(WireFormat format);

    /** Writes the body in {@code format}. */
    void encode(ByteBuf out, WireFormat format);

    /** Writes a whole successful reply: {@code fuse_out_header} (error 0) and this body. */
    default void encodeMessage(ByteBuf out, WireFormat format, long unique) {
        OutHeader.encode(out, format.order(), OutHeader.SIZE + encodedSize(format), 0, unique);
        encode(out, format);
    }
}
