package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Attr;
import io.virtiofs.api.Entry;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileType;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Writes FUSE_READDIR and FUSE_READDIRPLUS entries straight into a reply, allocating nothing: the
 * server's hot path. Each write either fits whole into the buffer's
 * {@link ByteBuf#maxWritableBytes()} or writes nothing and returns false (the reply is full).
 */
public final class DirentWriter {

    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    /** FUSE_NAME_OFFSET: {@code offsetof(struct fuse_dirent, name)}. */
    public static final int NAME_OFFSET = 24;

    private DirentWriter() {
    }

    /** FUSE_DIRENT_SIZE: the bytes an entry with {@code name} takes, padded to 8. */
    public static int direntSize(FileName name) {
        return align8(NAME_OFFSET + name.length());
    }

    /** FUSE_DIRENTPLUS_SIZE: the bytes a readdirplus entry with {@code name} takes in {@code format}. */
    public static int direntplusSize(WireFormat format, FileName name) {
        return EntryOut.size(format) + direntSize(name);
    }

    /**
     * Writes one {@code struct fuse_dirent} with its name and padding.
     *
     * @return false, having written nothing, when the entry does not fit
     */
    public static boolean writeDirent(ByteBuf out, WireFormat format, long ino, long off, int type, FileName name) {
        if (out.maxWritableBytes() < direntSize(name)) {
            return false;
        }
        writeDirentUnchecked(out, format.order(), ino, off, type, name);
        return true;
    }

    /**
     * One {@code struct fuse_dirent} of {@code size} bytes into a heap array (the server builds a
     * listing page in one): plain stores, where the buffer's methods cost a call per field. In a
     * server whose buffers are of many classes those calls do not inline, and a 4 KiB page took
     * a guest's listing several times the 3.4 us it takes in a benchmark that knows one class.
     */
    private static void writeDirent(byte[] page, int at, WireOrder order, long ino, long off, int type, FileName name,
                                    int size) {
        if (order == WireOrder.LITTLE_ENDIAN) {
            LONG_LE.set(page, at, ino);
            LONG_LE.set(page, at + 8, off);
            INT_LE.set(page, at + 16, name.length());
            INT_LE.set(page, at + 20, type);
        } else {
            LONG_BE.set(page, at, ino);
            LONG_BE.set(page, at + 8, off);
            INT_BE.set(page, at + 16, name.length());
            INT_BE.set(page, at + 20, type);
        }
        name.copyTo(page, at + NAME_OFFSET);
        Arrays.fill(page, at + NAME_OFFSET + name.length(), at + size, (byte) 0);
    }

    /**
     * Writes one {@code struct fuse_direntplus}: the entry as a lookup answers it, then the
     * directory entry whose inode number and type come from the entry's attributes.
     *
     * @return false, having written nothing, when the entry does not fit
     */
    public static boolean writeDirentplus(ByteBuf out, WireFormat format, Entry entry, long off, FileName name) {
        if (out.maxWritableBytes() < direntplusSize(format, name)) {
            return false;
        }
        EntryOut.encodeEntry(out, format, entry);
        Attr attr = entry.attr();
        long ino = attr.ino() != 0 ? attr.ino() : entry.nodeid();
        writeDirentUnchecked(out, format.order(), ino, off, FileType.direntTypeOfMode(attr.mode()), name);
        return true;
    }

    /**
     * Writes one {@code struct fuse_dirent}; the caller made sure it fits. Into a heap buffer (the
     * server builds a listing page in one) through its array, else through the buffer's methods.
     */
    static void writeDirentUnchecked(ByteBuf out, WireOrder order, long ino, long off, int type, FileName name) {
        if (out.hasArray()) {
            int size = direntSize(name);
            out.ensureWritable(size);
            int at = out.writerIndex();
            writeDirent(out.array(), out.arrayOffset() + at, order, ino, off, type, name, size);
            out.writerIndex(at + size);
            return;
        }
        order.writeLong(out, ino);
        order.writeLong(out, off);
        order.writeInt(out, name.length());
        order.writeInt(out, type);
        NulTerminated.writeBytes(out, name);
        int used = NAME_OFFSET + name.length();
        out.writeZero(align8(used) - used);
    }

    static int align8(int size) {
        return (size + 7) & ~7;
    }
}
