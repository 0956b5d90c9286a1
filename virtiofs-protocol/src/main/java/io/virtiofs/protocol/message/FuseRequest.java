package io.virtiofs.protocol.message;


/**
 * The body of a FUSE request: what follows {@code fuse_in_header} (and precedes the
 * extensions), one record per kind of body.
 *
 * <p>Each record has a static {@code decode(ByteBuf body, WireFormat format)} reading exactly the
 * body (the caller slices it to the length the header gives); {@link RequestDecoder} picks the
 * record for an opcode. Writing a request is the driver's side: virtiofs-testkit's
 * {@code Requests}.
 *
 * <p>Decoding treats the body as untrusted: a body too short for its struct, a name without its
 * NUL, a length that disagrees with the body, an absurd count all end in a
 * {@link io.virtiofs.protocol.MalformedRequestException}, never in any other exception. Bytes
 * after a fixed-size struct are ignored; a trailing name must end the body.
 */
public sealed interface FuseRequest permits AccessIn, BatchForgetIn, BmapIn, CopyFileRangeIn, CreateIn, EmptyIn,
        FallocateIn, FlushIn, ForgetIn, FsyncIn, GetattrIn, GetxattrIn, InitIn, InterruptIn, IoctlIn, LinkIn, LkIn,
        ListxattrIn, LseekIn, MkdirIn, MknodIn, NameIn, NotifyReplyIn, OpenIn, PollIn, ReadIn, ReleaseIn,
        RemovemappingIn, RemovexattrIn, Rename2In, RenameIn, SetattrIn, SetupmappingIn, SetxattrIn, StatxIn,
        SymlinkIn, SyncfsIn, TmpfileIn, WriteIn {

}
