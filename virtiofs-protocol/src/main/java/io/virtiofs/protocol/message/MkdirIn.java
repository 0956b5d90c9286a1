package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.FileName;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.Objects;

/**
 * FUSE_MKDIR's request ({@code struct fuse_mkdir_in}, then the name and NUL).
 *
 * @param mode permission bits
 * @param umask the caller's umask (0 before 7.12, when the field was padding)
 * @param name the new directory's name
 */
public record MkdirIn(int mode, int umask, FileName name) implements FuseRequest {

    /** {@code sizeof(struct fuse_mkdir_in)}. */
    public static final int SIZE = 8;

    public MkdirIn {
        Objects.requireNonNull(name, "name");
    }

    public static MkdirIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_mkdir_in");
        WireOrder order = format.order();
        int mode = order.readInt(body);
        int umask = order.readInt(body);
        return new MkdirIn(mode, umask, NulTerminated.readLastFileName(body, "mkdir name"));
    }

}
