package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Attr;
import io.virtiofs.api.Entry;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileType;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * Writes FUSE_READDIR and FUSE_READDIRPLUS entries straight into a reply, allocating nothing: the
 * server's hot path. Each write either fits whole into the buffer's
 * {@link ByteBuf#maxWritableBytes()} or writes nothing and returns false (the reply is full).
 */
public final class DirentWriter {

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
        writeDirentUnchecked(out, format.order(), attr.ino(), off, FileType.direntTypeOfMode(attr.mode()), name);
        return true;
    }

    static void writeDirentUnchecked(ByteBuf out, WireOrder order, long ino, long off, int type, FileName name) {
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
