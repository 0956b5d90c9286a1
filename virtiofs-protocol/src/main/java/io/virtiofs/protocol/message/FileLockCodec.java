package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.FileLock;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireOrder;

/** {@code struct fuse_file_lock}: {@value #SIZE} bytes. */
public final class FileLockCodec {

    /** {@code sizeof(struct fuse_file_lock)}. */
    public static final int SIZE = 24;

    private FileLockCodec() {
    }

    /** Reads a lock from a request: an invalid type or range is {@code EINVAL}. */
    static FileLock decodeRequest(ByteBuf in, WireOrder order) {
        long start = order.readLong(in);
        long end = order.readLong(in);
        int type = order.readInt(in);
        int pid = order.readInt(in);
        if (type != FileLock.F_RDLCK && type != FileLock.F_WRLCK && type != FileLock.F_UNLCK) {
            throw MalformedRequestException.invalid("lock type " + type + " is not F_RDLCK, F_WRLCK or F_UNLCK");
        }
        if (start < 0 || end < start) {
            throw MalformedRequestException.invalid("lock range " + Long.toUnsignedString(start) + ".."
                    + Long.toUnsignedString(end) + " is invalid");
        }
        return new FileLock(start, end, type, pid);
    }


    /** Writes a lock. */
    public static void encode(ByteBuf out, WireOrder order, FileLock lock) {
        order.writeLong(out, lock.start());
        order.writeLong(out, lock.end());
        order.writeInt(out, lock.type());
        order.writeInt(out, lock.pid());
    }
}
