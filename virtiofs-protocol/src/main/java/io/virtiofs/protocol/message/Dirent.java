package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.FileName;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.Objects;

/**
 * One directory entry of a FUSE_READDIR reply ({@code struct fuse_dirent}, then the name, padded
 * to 8 bytes: FUSE_DIRENT_SIZE).
 *
 * @param ino the inode number shown to users
 * @param off the offset to continue reading from after this entry
 * @param type the {@code DT_*} type, 0 if unknown
 * @param name the name
 */
public record Dirent(long ino, long off, int type, FileName name) {

    public Dirent {
        Objects.requireNonNull(name, "name");
    }

    /** The bytes this entry takes, padding included. */
    public int encodedSize() {
        return DirentWriter.direntSize(name);
    }

    /** Writes the entry; the caller made sure {@link #encodedSize()} bytes fit. */
    public void encode(ByteBuf out, WireFormat format) {
        DirentWriter.writeDirentUnchecked(out, format.order(), ino, off, type, name);
    }

    /**
     * Reads one entry of a reply (trusted input: the server reads back a reply it wrote when the reply could not be delivered).
     *
     * @throws IllegalArgumentException when the name's length does not fit
     */
    public static Dirent decode(ByteBuf in, WireFormat format) {
        WireOrder order = format.order();
        long ino = order.readLong(in);
        long off = order.readLong(in);
        long namelen = order.readUnsignedInt(in);
        int type = order.readInt(in);
        if (namelen < 1 || namelen > FileName.MAX_LENGTH || namelen > in.readableBytes()) {
            throw new IllegalArgumentException("dirent namelen " + namelen + " with " + in.readableBytes()
                    + " bytes left");
        }
        byte[] name = new byte[(int) namelen];
        in.readBytes(name);
        int used = DirentWriter.NAME_OFFSET + name.length;
        in.skipBytes(Math.min(DirentWriter.align8(used) - used, in.readableBytes()));
        return new Dirent(ino, off, type, FileName.ofOwned(name));
    }
}
