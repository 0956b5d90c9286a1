package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.FileName;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.Objects;

/**
 * FUSE_MKNOD's request ({@code struct fuse_mknod_in}, then the name and NUL): {@value #SIZE} bytes
 * from 7.12, {@value #SIZE_BEFORE_12} before (FUSE_COMPAT_MKNOD_IN_SIZE, no umask).
 *
 * @param mode type and permission bits
 * @param rdev device number of a device node
 * @param umask the caller's umask (applied by the driver unless FUSE_DONT_MASK)
 * @param name the new node's name
 */
public record MknodIn(int mode, int rdev, int umask, FileName name) implements FuseRequest {

    /** {@code sizeof(struct fuse_mknod_in)}. */
    public static final int SIZE = 16;
    /** FUSE_COMPAT_MKNOD_IN_SIZE, before 7.12. */
    public static final int SIZE_BEFORE_12 = 8;

    public MknodIn {
        Objects.requireNonNull(name, "name");
    }

    /** The struct's size in a session of {@code format}. */
    public static int size(WireFormat format) {
        return format.atLeast(12) ? SIZE : SIZE_BEFORE_12;
    }

    public static MknodIn decode(ByteBuf body, WireFormat format) {
        int size = size(format);
        MalformedRequestException.requireReadable(body, size, "fuse_mknod_in");
        WireOrder order = format.order();
        int mode = order.readInt(body);
        int rdev = order.readInt(body);
        int umask = 0;
        if (size == SIZE) {
            umask = order.readInt(body);
            body.skipBytes(4); // padding
        }
        return new MknodIn(mode, rdev, umask, NulTerminated.readLastFileName(body, "mknod name"));
    }

}
