package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.WireFormat;

/**
 * Picks the request record for an opcode and decodes the body with it.
 */
public final class RequestDecoder {

    private RequestDecoder() {
    }

    /**
     * Decodes a request body: {@code body}'s readable bytes are exactly what follows
     * {@code fuse_in_header}, without the extensions.
     *
     * @throws MalformedRequestException when the body breaks the wire format
     */
    public static FuseRequest decode(Opcode opcode, ByteBuf body, WireFormat format) {
        return switch (opcode) {
            case LOOKUP, UNLINK, RMDIR -> NameIn.decode(body, format);
            case FORGET -> ForgetIn.decode(body, format);
            case GETATTR -> GetattrIn.decode(body, format);
            case SETATTR -> SetattrIn.decode(body, format);
            case READLINK, STATFS, DESTROY -> EmptyIn.decode(body, format);
            case SYMLINK -> SymlinkIn.decode(body, format);
            case MKNOD -> MknodIn.decode(body, format);
            case MKDIR -> MkdirIn.decode(body, format);
            case RENAME -> RenameIn.decode(body, format);
            case RENAME2 -> Rename2In.decode(body, format);
            case LINK -> LinkIn.decode(body, format);
            case OPEN, OPENDIR -> OpenIn.decode(body, format);
            case READ, READDIR, READDIRPLUS -> ReadIn.decode(body, format);
            case WRITE -> WriteIn.decode(body, format);
            case RELEASE, RELEASEDIR -> ReleaseIn.decode(body, format);
            case FSYNC, FSYNCDIR -> FsyncIn.decode(body, format);
            case SETXATTR -> SetxattrIn.decode(body, format);
            case GETXATTR -> GetxattrIn.decode(body, format);
            case LISTXATTR -> ListxattrIn.decode(body, format);
            case REMOVEXATTR -> RemovexattrIn.decode(body, format);
            case FLUSH -> FlushIn.decode(body, format);
            case INIT -> InitIn.decode(body, format);
            case GETLK, SETLK, SETLKW -> LkIn.decode(body, format);
            case ACCESS -> AccessIn.decode(body, format);
            case CREATE -> CreateIn.decode(body, format);
            case TMPFILE -> TmpfileIn.decode(body, format);
            case INTERRUPT -> InterruptIn.decode(body, format);
            case BMAP -> BmapIn.decode(body, format);
            case IOCTL -> IoctlIn.decode(body, format);
            case POLL -> PollIn.decode(body, format);
            case NOTIFY_REPLY -> NotifyReplyIn.decode(body, format);
            case BATCH_FORGET -> BatchForgetIn.decode(body, format);
            case FALLOCATE -> FallocateIn.decode(body, format);
            case LSEEK -> LseekIn.decode(body, format);
            case COPY_FILE_RANGE, COPY_FILE_RANGE_64 -> CopyFileRangeIn.decode(body, format);
            case SETUPMAPPING -> SetupmappingIn.decode(body, format);
            case REMOVEMAPPING -> RemovemappingIn.decode(body, format);
            case SYNCFS -> SyncfsIn.decode(body, format);
            case STATX -> StatxIn.decode(body, format);
        };
    }
}
