package com.example.auditfs;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Context;
import io.virtiofs.api.CreateReply;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.ForwardingFileSystem;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.WriteRequest;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A third party's file system, as a user outside virtiofs-java would write one: a layer over
 * another file system that accounts for what its users write (bytes written, files created and
 * removed), for billing or metrics. It is tested in {@link AuditingFileSystemTest} with the
 * testkit alone: the contract suite and the mock guest.
 */
public final class AuditingFileSystem extends ForwardingFileSystem {

    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicLong filesCreated = new AtomicLong();
    private final AtomicLong namesRemoved = new AtomicLong();

    public AuditingFileSystem(FileSystem delegate) {
        super(delegate);
    }

    public long bytesWritten() {
        return bytesWritten.get();
    }

    public long filesCreated() {
        return filesCreated.get();
    }

    public long namesRemoved() {
        return namesRemoved.get();
    }

    @Override
    public CreateReply create(Context ctx, long parent, FileName name, int mode, OpenFlags flags) {
        CreateReply reply = delegate.create(ctx, parent, name, mode, flags);
        filesCreated.incrementAndGet();
        return reply;
    }

    @Override
    public int write(Context ctx, WriteRequest request, ByteBuf data) {
        int written = delegate.write(ctx, request, data);
        bytesWritten.addAndGet(written);
        return written;
    }

    @Override
    public void unlink(Context ctx, long parent, FileName name) {
        delegate.unlink(ctx, parent, name);
        namesRemoved.incrementAndGet();
    }
}
