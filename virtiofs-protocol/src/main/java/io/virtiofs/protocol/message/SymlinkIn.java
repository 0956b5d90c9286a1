package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.FileName;
import io.virtiofs.api.SymlinkTarget;
import io.virtiofs.protocol.WireFormat;
import java.util.Objects;

/**
 * FUSE_SYMLINK's request: the new link's name, NUL, its target, NUL (the target ends the body).
 *
 * @param name the link's name in the directory {@code fuse_in_header.nodeid}
 * @param target what the link points to
 */
public record SymlinkIn(FileName name, SymlinkTarget target) implements FuseRequest {

    public SymlinkIn {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(target, "target");
    }

    public static SymlinkIn decode(ByteBuf body, WireFormat format) {
        FileName name = NulTerminated.readFileName(body, "symlink name");
        SymlinkTarget target = NulTerminated.readLastSymlinkTarget(body, "symlink target");
        return new SymlinkIn(name, target);
    }

}
