package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.WireFormat;
import java.util.List;

/**
 * The reply to FUSE_READDIR: directory entries back to back, each padded to 8 bytes. The server's
 * hot path writes them straight into the reply with {@link DirentWriter}; this record is for
 * tests and drivers.
 *
 * @param dirents the entries
 */
public record DirentsOut(List<Dirent> dirents) implements FuseReply {

    public DirentsOut {
        dirents = List.copyOf(dirents);
    }

    @Override
    public int encodedSize(WireFormat format) {
        int size = 0;
        for (Dirent dirent : dirents) {
            size += dirent.encodedSize();
        }
        return size;
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        for (Dirent dirent : dirents) {
            dirent.encode(out, format);
        }
    }

}
