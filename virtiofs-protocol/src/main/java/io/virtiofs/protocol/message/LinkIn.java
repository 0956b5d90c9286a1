package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.FileName;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import java.util.Objects;

/**
 * FUSE_LINK's request ({@code struct fuse_link_in}, then the new name and NUL).
 *
 * @param oldNodeid the node to link
 * @param newName the new name in the directory {@code fuse_in_header.nodeid}
 */
public record LinkIn(long oldNodeid, FileName newName) implements FuseRequest {

    /** {@code sizeof(struct fuse_link_in)}. */
    public static final int SIZE = 8;

    public LinkIn {
        Objects.requireNonNull(newName, "newName");
    }

    public static LinkIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_link_in");
        long oldNodeid = format.order().readLong(body);
        return new LinkIn(oldNodeid, NulTerminated.readLastFileName(body, "link name"));
    }

}
