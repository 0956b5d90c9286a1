package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.WireFormat;
import java.util.Objects;

/**
 * One entry of a FUSE_READDIRPLUS reply ({@code struct fuse_direntplus}: {@code fuse_entry_out}
 * then {@code fuse_dirent} and the name, padded to 8 bytes: FUSE_DIRENTPLUS_SIZE).
 *
 * @param entry the node, as a lookup answers it (nodeid 0: the driver only learns the name)
 * @param dirent the directory entry
 */
public record Direntplus(EntryOut entry, Dirent dirent) {

    public Direntplus {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(dirent, "dirent");
    }

    /** The bytes this entry takes in {@code format}, padding included. */
    public int encodedSize(WireFormat format) {
        return EntryOut.size(format) + dirent.encodedSize();
    }

    /** Writes the entry; the caller made sure {@link #encodedSize} bytes fit. */
    public void encode(ByteBuf out, WireFormat format) {
        entry.encode(out, format);
        dirent.encode(out, format);
    }

    /** Reads one entry of a reply (trusted input: the server reads back a reply it wrote when the reply could not be delivered). */
    public static Direntplus decode(ByteBuf in, WireFormat format) {
        EntryOut entry = EntryOut.decode(in, format);
        return new Direntplus(entry, Dirent.decode(in, format));
    }
}
