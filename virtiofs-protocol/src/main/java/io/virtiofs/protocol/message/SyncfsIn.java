package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;

/** FUSE_SYNCFS's request ({@code struct fuse_syncfs_in}: 8 bytes of padding). */
public record SyncfsIn() implements FuseRequest {

    /** {@code sizeof(struct fuse_syncfs_in)}. */
    public static final int SIZE = 8;

    /** The one instance decoding returns. */
    public static final SyncfsIn INSTANCE = new SyncfsIn();

    public static SyncfsIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_syncfs_in");
        body.skipBytes(SIZE);
        return INSTANCE;
    }

}
