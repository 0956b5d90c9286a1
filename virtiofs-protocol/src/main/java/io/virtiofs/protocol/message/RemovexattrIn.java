package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.XattrName;
import io.virtiofs.protocol.WireFormat;

/**
 * FUSE_REMOVEXATTR's request: the name and NUL, ending the body.
 *
 * @param name the attribute's name; 1..255 bytes ({@code ERANGE} otherwise)
 */
public record RemovexattrIn(XattrName name) implements FuseRequest {

    public RemovexattrIn {
        java.util.Objects.requireNonNull(name, "name");
    }

    /** A request naming the attribute by UTF-8 text (for drivers and tests). */
    public RemovexattrIn(String name) {
        this(XattrName.of(name));
    }

    public static RemovexattrIn decode(ByteBuf body, WireFormat format) {
        return new RemovexattrIn(NulTerminated.readLastXattrName(body, "xattr name"));
    }

}
