package io.virtiofs.api;

import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.Objects;

/**
 * A file system that passes every call to another one: extend it and override what you change
 * (a read-only view, an access filter, an id mapping, a tracer), the rest keeps working.
 */
public abstract class ForwardingFileSystem implements FileSystem {

    /** The file system calls go to. */
    protected final FileSystem delegate;

    protected ForwardingFileSystem(FileSystem delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public void init(InitConfig config) {
        delegate.init(config);
    }

    @Override
    public void destroy() {
        delegate.destroy();
    }

    @Override
    public Entry lookup(Context ctx, long parent, FileName name) {
        return delegate.lookup(ctx, parent, name);
    }

    @Override
    public void forget(long nodeid, long nlookup) {
        delegate.forget(nodeid, nlookup);
    }

    @Override
    public AttrReply getattr(Context ctx, long nodeid) {
        return delegate.getattr(ctx, nodeid);
    }

    @Override
    public AttrReply fgetattr(Context ctx, long nodeid, long fh) {
        return delegate.fgetattr(ctx, nodeid, fh);
    }

    @Override
    public AttrReply setattr(Context ctx, long nodeid, SetattrRequest request) {
        return delegate.setattr(ctx, nodeid, request);
    }

    @Override
    public SymlinkTarget readlink(Context ctx, long nodeid) {
        return delegate.readlink(ctx, nodeid);
    }

    @Override
    public Entry symlink(Context ctx, long parent, FileName name, SymlinkTarget target) {
        return delegate.symlink(ctx, parent, name, target);
    }

    @Override
    public Entry mknod(Context ctx, long parent, FileName name, int mode, int rdev) {
        return delegate.mknod(ctx, parent, name, mode, rdev);
    }

    @Override
    public Entry mkdir(Context ctx, long parent, FileName name, int mode) {
        return delegate.mkdir(ctx, parent, name, mode);
    }

    @Override
    public void unlink(Context ctx, long parent, FileName name) {
        delegate.unlink(ctx, parent, name);
    }

    @Override
    public void rmdir(Context ctx, long parent, FileName name) {
        delegate.rmdir(ctx, parent, name);
    }

    @Override
    public void rename(Context ctx, long parent, FileName name, long newParent, FileName newName, RenameFlags flags) {
        delegate.rename(ctx, parent, name, newParent, newName, flags);
    }

    @Override
    public Entry link(Context ctx, long nodeid, long newParent, FileName newName) {
        return delegate.link(ctx, nodeid, newParent, newName);
    }

    @Override
    public OpenReply open(Context ctx, long nodeid, OpenFlags flags) {
        return delegate.open(ctx, nodeid, flags);
    }

    @Override
    public CreateReply create(Context ctx, long parent, FileName name, int mode, OpenFlags flags) {
        return delegate.create(ctx, parent, name, mode, flags);
    }

    @Override
    public void read(Context ctx, ReadRequest request, ByteBuf dst) {
        delegate.read(ctx, request, dst);
    }

    @Override
    public int write(Context ctx, WriteRequest request, ByteBuf data) {
        return delegate.write(ctx, request, data);
    }

    @Override
    public void flush(Context ctx, long nodeid, long fh, long lockOwner) {
        delegate.flush(ctx, nodeid, fh, lockOwner);
    }

    @Override
    public void release(Context ctx, ReleaseRequest request) {
        delegate.release(ctx, request);
    }

    @Override
    public void fsync(Context ctx, long nodeid, long fh, boolean datasync) {
        delegate.fsync(ctx, nodeid, fh, datasync);
    }

    @Override
    public void fallocate(Context ctx, FallocateRequest request) {
        delegate.fallocate(ctx, request);
    }

    @Override
    public long lseek(Context ctx, long nodeid, long fh, long offset, Whence whence) {
        return delegate.lseek(ctx, nodeid, fh, offset, whence);
    }

    @Override
    public long copyFileRange(Context ctx, CopyFileRangeRequest request) {
        return delegate.copyFileRange(ctx, request);
    }

    @Override
    public long bmap(Context ctx, long nodeid, int blocksize, long block) {
        return delegate.bmap(ctx, nodeid, blocksize, block);
    }

    @Override
    public IoctlReply ioctl(Context ctx, IoctlRequest request, ByteBuf input) {
        return delegate.ioctl(ctx, request, input);
    }

    @Override
    public PollEvents poll(Context ctx, PollRequest request) {
        return delegate.poll(ctx, request);
    }

    @Override
    public FileLock getlk(Context ctx, LockRequest request) {
        return delegate.getlk(ctx, request);
    }

    @Override
    public void setlk(Context ctx, LockRequest request) {
        delegate.setlk(ctx, request);
    }

    @Override
    public OpenReply opendir(Context ctx, long nodeid, OpenFlags flags) {
        return delegate.opendir(ctx, nodeid, flags);
    }

    @Override
    public void readdir(Context ctx, long nodeid, long fh, long offset, DirectorySink sink) {
        delegate.readdir(ctx, nodeid, fh, offset, sink);
    }

    @Override
    public void readdirplus(Context ctx, long nodeid, long fh, long offset, DirectoryPlusSink sink) {
        delegate.readdirplus(ctx, nodeid, fh, offset, sink);
    }

    @Override
    public void releasedir(Context ctx, ReleaseRequest request) {
        delegate.releasedir(ctx, request);
    }

    @Override
    public void fsyncdir(Context ctx, long nodeid, long fh, boolean datasync) {
        delegate.fsyncdir(ctx, nodeid, fh, datasync);
    }

    @Override
    public void setxattr(Context ctx, long nodeid, XattrName name, byte[] value, XattrFlags flags) {
        delegate.setxattr(ctx, nodeid, name, value, flags);
    }

    @Override
    public byte[] getxattr(Context ctx, long nodeid, XattrName name) {
        return delegate.getxattr(ctx, nodeid, name);
    }

    @Override
    public List<XattrName> listxattr(Context ctx, long nodeid) {
        return delegate.listxattr(ctx, nodeid);
    }

    @Override
    public void removexattr(Context ctx, long nodeid, XattrName name) {
        delegate.removexattr(ctx, nodeid, name);
    }

    @Override
    public StatFs statfs(Context ctx, long nodeid) {
        return delegate.statfs(ctx, nodeid);
    }

    @Override
    public void access(Context ctx, long nodeid, AccessMask mask) {
        delegate.access(ctx, nodeid, mask);
    }

    @Override
    public void syncfs(Context ctx, long nodeid) {
        delegate.syncfs(ctx, nodeid);
    }

    @Override
    public CreateReply tmpfile(Context ctx, long parent, int mode, OpenFlags flags) {
        return delegate.tmpfile(ctx, parent, mode, flags);
    }

    @Override
    public StatxReply statx(Context ctx, StatxRequest request) {
        return delegate.statx(ctx, request);
    }

    @Override
    public void setupmapping(Context ctx, SetupMappingRequest request, DaxWindow window) {
        delegate.setupmapping(ctx, request, window);
    }

    @Override
    public void removemapping(Context ctx, long windowOffset, long length, DaxWindow window) {
        delegate.removemapping(ctx, windowOffset, length, window);
    }
}
