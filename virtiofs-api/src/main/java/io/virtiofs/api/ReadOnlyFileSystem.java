package io.virtiofs.api;

import io.netty.buffer.ByteBuf;

/**
 * A read-only view of a file system: every request that would change something answers
 * {@code EROFS} (as a read-only mount does), opens for writing included; reads go through.
 * Writeback caching is declined, since nothing is ever written back.
 */
public final class ReadOnlyFileSystem extends ForwardingFileSystem {

    public ReadOnlyFileSystem(FileSystem delegate) {
        super(delegate);
    }

    private static ErrnoException readOnly(String operation) {
        return new ErrnoException(Errno.EROFS, operation + " on a read-only file system");
    }

    private static void checkNotWriting(OpenFlags flags, String operation) {
        if (flags.canWrite() || flags.truncate() || flags.has(OpenFlags.O_CREAT)) {
            throw readOnly(operation + " for writing");
        }
    }

    @Override
    public void init(InitConfig config) {
        delegate.init(config);
        config.decline(Capability.WRITEBACK_CACHE);
    }

    @Override
    public AttrReply setattr(Context ctx, long nodeid, SetattrRequest request) {
        throw readOnly("setattr");
    }

    @Override
    public Entry symlink(Context ctx, long parent, FileName name, SymlinkTarget target) {
        throw readOnly("symlink");
    }

    @Override
    public Entry mknod(Context ctx, long parent, FileName name, int mode, int rdev) {
        throw readOnly("mknod");
    }

    @Override
    public Entry mkdir(Context ctx, long parent, FileName name, int mode) {
        throw readOnly("mkdir");
    }

    @Override
    public void unlink(Context ctx, long parent, FileName name) {
        throw readOnly("unlink");
    }

    @Override
    public void rmdir(Context ctx, long parent, FileName name) {
        throw readOnly("rmdir");
    }

    @Override
    public void rename(Context ctx, long parent, FileName name, long newParent, FileName newName, RenameFlags flags) {
        throw readOnly("rename");
    }

    @Override
    public Entry link(Context ctx, long nodeid, long newParent, FileName newName) {
        throw readOnly("link");
    }

    @Override
    public OpenReply open(Context ctx, long nodeid, OpenFlags flags) {
        checkNotWriting(flags, "open");
        return delegate.open(ctx, nodeid, flags);
    }

    @Override
    public CreateReply create(Context ctx, long parent, FileName name, int mode, OpenFlags flags) {
        throw readOnly("create");
    }

    @Override
    public int write(Context ctx, WriteRequest request, ByteBuf data) {
        throw readOnly("write");
    }

    @Override
    public void fallocate(Context ctx, FallocateRequest request) {
        throw readOnly("fallocate");
    }

    @Override
    public long copyFileRange(Context ctx, CopyFileRangeRequest request) {
        throw readOnly("copy_file_range");
    }

    @Override
    public void setxattr(Context ctx, long nodeid, XattrName name, byte[] value, XattrFlags flags) {
        throw readOnly("setxattr");
    }

    @Override
    public void removexattr(Context ctx, long nodeid, XattrName name) {
        throw readOnly("removexattr");
    }

    @Override
    public CreateReply tmpfile(Context ctx, long parent, int mode, OpenFlags flags) {
        throw readOnly("tmpfile");
    }

    @Override
    public void access(Context ctx, long nodeid, AccessMask mask) {
        if (mask.write()) {
            throw readOnly("access for writing");
        }
        delegate.access(ctx, nodeid, mask);
    }

    @Override
    public void setupmapping(Context ctx, SetupMappingRequest request, DaxWindow window) {
        if (request.writable()) {
            throw readOnly("a writable DAX mapping");
        }
        delegate.setupmapping(ctx, request, window);
    }
}
