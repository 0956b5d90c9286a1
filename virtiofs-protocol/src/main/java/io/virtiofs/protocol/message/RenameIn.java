package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.FileName;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import java.util.Objects;

/**
 * FUSE_RENAME's request ({@code struct fuse_rename_in}, then the old name, NUL, the new name,
 * NUL).
 *
 * @param newdir the directory the name moves to
 * @param oldName the name in {@code fuse_in_header.nodeid}
 * @param newName the name in {@code newdir}
 */
public record RenameIn(long newdir, FileName oldName, FileName newName) implements FuseRequest {

    /** {@code sizeof(struct fuse_rename_in)}. */
    public static final int SIZE = 8;

    public RenameIn {
        Objects.requireNonNull(oldName, "oldName");
        Objects.requireNonNull(newName, "newName");
    }

    public static RenameIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_rename_in");
        long newdir = format.order().readLong(body);
        FileName oldName = NulTerminated.readFileName(body, "old name");
        FileName newName = NulTerminated.readLastFileName(body, "new name");
        return new RenameIn(newdir, oldName, newName);
    }

}
