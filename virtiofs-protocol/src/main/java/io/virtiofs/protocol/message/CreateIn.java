package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.FileName;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.Objects;

/**
 * FUSE_CREATE's request ({@code struct fuse_create_in}, then the name and NUL): {@value #SIZE}
 * bytes from 7.12, {@value #SIZE_BEFORE_12} before ({@code flags} and {@code mode} only).
 *
 * @param flags the {@code open(2)} flags
 * @param mode type and permission bits
 * @param umask the caller's umask
 * @param openFlags {@link OpenIn#KILL_SUIDGID}
 * @param name the new file's name
 */
public record CreateIn(int flags, int mode, int umask, int openFlags, FileName name) implements FuseRequest {

    /** {@code sizeof(struct fuse_create_in)}. */
    public static final int SIZE = 16;
    /** The size before 7.12. */
    public static final int SIZE_BEFORE_12 = 8;

    public CreateIn {
        Objects.requireNonNull(name, "name");
    }

    /** The struct's size in a session of {@code format}. */
    public static int size(WireFormat format) {
        return format.atLeast(12) ? SIZE : SIZE_BEFORE_12;
    }

    public static CreateIn decode(ByteBuf body, WireFormat format) {
        int size = size(format);
        MalformedRequestException.requireReadable(body, size, "fuse_create_in");
        WireOrder order = format.order();
        int flags = order.readInt(body);
        int mode = order.readInt(body);
        int umask = 0;
        int openFlags = 0;
        if (size == SIZE) {
            umask = order.readInt(body);
            openFlags = order.readInt(body);
        }
        return new CreateIn(flags, mode, umask, openFlags, NulTerminated.readLastFileName(body, "create name"));
    }

}
