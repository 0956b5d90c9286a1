package io.virtiofs.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Attr;
import io.virtiofs.api.AttrReply;
import io.virtiofs.api.CreateReply;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.ReadRequest;
import io.virtiofs.api.ReleaseRequest;
import io.virtiofs.api.RenameFlags;
import io.virtiofs.api.SetattrRequest;
import io.virtiofs.api.StatFs;
import io.virtiofs.api.SymlinkTarget;
import io.virtiofs.api.WriteRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.function.Executable;

/**
 * Drives a {@link FileSystem} through its SPI as a driver would, for one caller ({@link TestContext}):
 * short methods for the requests tests make, and {@link #assertErrno} for expected failures.
 */
public final class Client {

    /** S_IFREG. */
    public static final int S_IFREG = 0100000;
    /** S_IFDIR. */
    public static final int S_IFDIR = 0040000;

    private final FileSystem fs;
    private final TestContext ctx;

    public Client(FileSystem fs, TestContext ctx) {
        this.fs = fs;
        this.ctx = ctx;
    }

    public FileSystem fs() {
        return fs;
    }

    public TestContext ctx() {
        return ctx;
    }

    /** The same file system, another caller. */
    public Client as(TestContext other) {
        return new Client(fs, other);
    }

    /** Asserts that {@code action} fails with {@code expected}. */
    public static void assertErrno(Errno expected, Executable action) {
        ErrnoException e = assertThrows(ErrnoException.class, action);
        assertEquals(expected, e.errno(), () -> "expected " + expected.name() + ", got " + e.getMessage());
    }

    public static FileName name(String name) {
        return FileName.of(name);
    }

    // ------------------------------------------------------------------ names

    public Entry lookup(long parent, String name) {
        return fs.lookup(ctx, parent, name(name));
    }

    /** The nodeid of {@code name}, which must exist (counts a lookup). */
    public long nodeid(long parent, String name) {
        Entry entry = lookup(parent, name);
        assertTrue(!entry.isNegative(), () -> name + " should exist");
        return entry.nodeid();
    }

    public Attr attr(long nodeid) {
        return fs.getattr(ctx, nodeid).attr();
    }

    public long mkdir(long parent, String name, int mode) {
        return fs.mkdir(ctx, parent, name(name), mode).nodeid();
    }

    public long mknod(long parent, String name, int mode, int rdev) {
        return fs.mknod(ctx, parent, name(name), mode, rdev).nodeid();
    }

    public long symlink(long parent, String name, String target) {
        return fs.symlink(ctx, parent, name(name), SymlinkTarget.of(target)).nodeid();
    }

    public Entry link(long nodeid, long newParent, String newName) {
        return fs.link(ctx, nodeid, newParent, name(newName));
    }

    public void unlink(long parent, String name) {
        fs.unlink(ctx, parent, name(name));
    }

    public void rmdir(long parent, String name) {
        fs.rmdir(ctx, parent, name(name));
    }

    public void rename(long parent, String name, long newParent, String newName) {
        rename(parent, name, newParent, newName, 0);
    }

    public void rename(long parent, String name, long newParent, String newName, int flags) {
        fs.rename(ctx, parent, name(name), newParent, name(newName), new RenameFlags(flags));
    }

    public void forget(long nodeid, long count) {
        fs.forget(nodeid, count);
    }

    public AttrReply setattr(long nodeid, SetattrRequest request) {
        return fs.setattr(ctx, nodeid, request);
    }

    public StatFs statfs() {
        return fs.statfs(ctx, FileSystem.ROOT_ID);
    }

    /** The names in a directory, without "." and "..", read with a sink of 16 entries per call. */
    public List<String> names(long dir) {
        List<String> names = new ArrayList<>();
        long[] offset = {0};
        while (true) {
            int[] added = {0};
            fs.readdir(ctx, dir, 0, offset[0], (name, nextOffset, type, ino) -> {
                if (added[0] == 16) {
                    return false;
                }
                added[0]++;
                offset[0] = nextOffset;
                if (!name.isDotOrDotDot()) {
                    names.add(name.toString());
                }
                return true;
            });
            if (added[0] == 0) {
                return names;
            }
        }
    }

    // ------------------------------------------------------------------ files

    /** Creates {@code name} and opens it read-write. */
    public Handle create(long parent, String name, int mode) {
        return create(parent, name, mode, OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_EXCL);
    }

    public Handle create(long parent, String name, int mode, int flags) {
        CreateReply reply = fs.create(ctx, parent, name(name), mode, OpenFlags.of(flags));
        return new Handle(reply.entry().nodeid(), reply.open().fh(), reply.entry());
    }

    public long open(long nodeid, int flags) {
        return fs.open(ctx, nodeid, OpenFlags.of(flags)).fh();
    }

    public void release(long nodeid, long fh) {
        fs.release(ctx, new ReleaseRequest(nodeid, fh, OpenFlags.O_RDWR, 0, 0));
    }

    public void release(Handle handle) {
        release(handle.nodeid(), handle.fh());
    }

    public int write(long nodeid, long fh, long offset, byte[] data) {
        ByteBuf buf = Unpooled.wrappedBuffer(data);
        try {
            return fs.write(ctx, new WriteRequest(nodeid, fh, offset, data.length, 0, 0, OpenFlags.O_RDWR), buf);
        } finally {
            buf.release();
        }
    }

    public int write(Handle handle, long offset, byte[] data) {
        return write(handle.nodeid(), handle.fh(), offset, data);
    }

    /** Reads up to {@code size} bytes; the result has exactly the bytes read. */
    public byte[] read(long nodeid, long fh, long offset, int size) {
        ByteBuf buf = Unpooled.buffer(size);
        try {
            fs.read(ctx, new ReadRequest(nodeid, fh, offset, size, 0, 0, OpenFlags.O_RDWR), buf);
            assertTrue(buf.readableBytes() <= size, "read wrote " + buf.readableBytes() + " bytes; " + size + " were asked");
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            return bytes;
        } finally {
            buf.release();
        }
    }

    public byte[] read(Handle handle, long offset, int size) {
        return read(handle.nodeid(), handle.fh(), offset, size);
    }

    /** The whole content of a file, opened read-only for the purpose. */
    public byte[] content(long nodeid) {
        long fh = open(nodeid, OpenFlags.O_RDONLY);
        try {
            return read(nodeid, fh, 0, Math.toIntExact(attr(nodeid).size()));
        } finally {
            release(nodeid, fh);
        }
    }

    /** Creates a file with {@code content}, closes it, and answers its nodeid (one lookup held). */
    public long writeFile(long parent, String name, byte[] content) {
        Handle handle = create(parent, name, 0644);
        try {
            assertEquals(content.length, write(handle, 0, content));
        } finally {
            release(handle);
        }
        return handle.nodeid();
    }
}
