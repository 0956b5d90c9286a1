package io.virtiofs.examples.hello;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Attr;
import io.virtiofs.api.AttrReply;
import io.virtiofs.api.Context;
import io.virtiofs.api.DirectorySink;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.FileType;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.OpenReply;
import io.virtiofs.api.ReadRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A root directory holding one read-only file, {@code hello}. Every other operation answers
 * ENOSYS (the SPI's default), so the driver knows exactly what is there.
 */
public final class HelloFs implements FileSystem {

    private static final Duration VALID = Duration.ofSeconds(1);
    private static final FileName NAME = FileName.of("hello");
    private static final byte[] TEXT = "hello\n".getBytes(StandardCharsets.UTF_8);
    private static final long FILE_ID = 2;
    private static final Attr ROOT = Attr.builder().ino(ROOT_ID).mode(0040755).nlink(2).build();
    private static final Attr FILE = Attr.builder().ino(FILE_ID).mode(0100444).nlink(1).size(TEXT.length).build();

    @Override
    public Entry lookup(Context ctx, long parent, FileName name) {
        if (parent == ROOT_ID && name.equals(NAME)) {
            return Entry.of(FILE_ID, FILE, VALID);
        }
        throw new ErrnoException(Errno.ENOENT);
    }

    @Override
    public AttrReply getattr(Context ctx, long nodeid) {
        return new AttrReply(nodeid == ROOT_ID ? ROOT : FILE, VALID);
    }

    @Override
    public OpenReply open(Context ctx, long nodeid, OpenFlags flags) {
        if (flags.canWrite()) {
            throw new ErrnoException(Errno.EACCES);
        }
        return OpenReply.of(0);
    }

    @Override
    public void read(Context ctx, ReadRequest request, ByteBuf dst) {
        int from = (int) Math.min(request.offset(), TEXT.length);
        int length = Math.min(request.size(), TEXT.length - from);
        dst.writeBytes(TEXT, from, length); // straight into the reply: guest memory for virtio-fs
    }

    @Override
    public OpenReply opendir(Context ctx, long nodeid, OpenFlags flags) {
        return OpenReply.of(0);
    }

    @Override
    public void readdir(Context ctx, long nodeid, long fh, long offset, DirectorySink sink) {
        if (offset < 1 && !sink.add(FileName.DOT, 1, FileType.DIRECTORY, ROOT_ID)) {
            return;
        }
        if (offset < 2 && !sink.add(FileName.DOT_DOT, 2, FileType.DIRECTORY, ROOT_ID)) {
            return;
        }
        if (offset < 3) {
            sink.add(NAME, 3, FileType.REGULAR, FILE_ID);
        }
    }
}
