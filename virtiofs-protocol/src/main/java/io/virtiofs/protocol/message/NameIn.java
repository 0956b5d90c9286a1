package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.FileName;
import io.virtiofs.protocol.WireFormat;
import java.util.Objects;

/**
 * The body of FUSE_LOOKUP, FUSE_UNLINK and FUSE_RMDIR: one name, NUL-terminated, ending the body.
 *
 * @param name the name in the directory {@code fuse_in_header.nodeid}
 */
public record NameIn(FileName name) implements FuseRequest {

    public NameIn {
        Objects.requireNonNull(name, "name");
    }

    public static NameIn decode(ByteBuf body, WireFormat format) {
        return new NameIn(NulTerminated.readLastFileName(body, "name"));
    }

}
