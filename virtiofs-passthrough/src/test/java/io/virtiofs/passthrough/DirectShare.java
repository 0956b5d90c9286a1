package io.virtiofs.passthrough;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Context;
import io.virtiofs.api.CreateReply;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.ReadRequest;
import io.virtiofs.api.ReleaseRequest;
import io.virtiofs.api.WriteRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * A {@link PassthroughFileSystem} over a scratch directory, called directly as a guest's requests
 * would call it (no kernel in between, so nothing checks the requests first), each call on a
 * serving thread of its own as a transport's worker (the file system gives its serving threads
 * their own working directory and credentials).
 */
final class DirectShare implements AutoCloseable {

    final ScratchDirectory scratch;
    final Path shared;
    final PassthroughFileSystem fs;
    private final ExecutorService workers;

    private DirectShare(ScratchDirectory scratch, Path shared, PassthroughFileSystem fs, int threads) {
        this.scratch = scratch;
        this.shared = shared;
        this.fs = fs;
        this.workers = Executors.newFixedThreadPool(threads, Thread.ofPlatform().name("passthrough-worker-", 0).factory());
    }

    static DirectShare open(UnaryOperator<PassthroughConfig.Builder> config) {
        return open(config, 1);
    }

    static DirectShare open(UnaryOperator<PassthroughConfig.Builder> config, int threads) {
        ScratchDirectory scratch = ScratchDirectory.create();
        Path shared = scratch.directory("share");
        try {
            PassthroughFileSystem fs = new PassthroughFileSystem(config.apply(PassthroughConfig.builder(shared)
                    .cache(CachePolicy.NEVER)).build());
            return new DirectShare(scratch, shared, fs, threads);
        } catch (Exception e) {
            scratch.close();
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code call} on a serving thread; an ErrnoException it throws comes back as it is. */
    <T> T on(Supplier<T> call) {
        if (Thread.currentThread().getName().startsWith("passthrough-worker-")) {
            return call.get();
        }
        Future<T> result = workers.submit(call::get);
        try {
            return result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    void run(Runnable call) {
        on(() -> {
            call.run();
            return null;
        });
    }

    /** The errno a call fails with (fails the test when it succeeds). */
    Errno errno(Runnable call) {
        try {
            run(call);
        } catch (ErrnoException e) {
            return e.errno();
        }
        throw new AssertionError("the call succeeded");
    }

    Entry lookup(Context ctx, long parent, String name) {
        return on(() -> fs.lookup(ctx, parent, FileName.of(name)));
    }

    Entry lookup(long parent, String name) {
        return lookup(TestContext.ROOT, parent, name);
    }

    CreateReply create(Context ctx, long parent, String name, int mode, int flags) {
        return on(() -> fs.create(ctx, parent, FileName.of(name), mode, OpenFlags.of(flags)));
    }

    long open(Context ctx, long nodeid, int flags) {
        return on(() -> fs.open(ctx, nodeid, OpenFlags.of(flags))).fh();
    }

    int write(long nodeid, long fh, long offset, byte[] data, boolean direct) {
        ByteBuf buffer = direct ? Unpooled.directBuffer(data.length) : Unpooled.buffer(data.length);
        buffer.writeBytes(data);
        try {
            return on(() -> fs.write(TestContext.ROOT, new WriteRequest(nodeid, fh, offset, data.length, 0, 0, 0), buffer));
        } finally {
            buffer.release();
        }
    }

    byte[] read(long nodeid, long fh, long offset, int size, boolean direct) {
        ByteBuf buffer = direct ? Unpooled.directBuffer(size, size) : Unpooled.buffer(size, size);
        try {
            run(() -> fs.read(TestContext.ROOT, new ReadRequest(nodeid, fh, offset, size, 0, 0, 0), buffer));
            int count = buffer.writerIndex();
            byte[] bytes = new byte[count];
            buffer.getBytes(0, bytes);
            return bytes;
        } finally {
            buffer.release();
        }
    }

    String readString(long nodeid, long fh) {
        return new String(read(nodeid, fh, 0, 65536, false), StandardCharsets.UTF_8);
    }

    void release(long nodeid, long fh) {
        run(() -> fs.release(TestContext.ROOT, new ReleaseRequest(nodeid, fh, 0, 0, 0)));
    }

    /** The names readdir lists in directory {@code nodeid}, "." and ".." included. */
    List<String> list(long nodeid) {
        long fh = on(() -> fs.opendir(TestContext.ROOT, nodeid, OpenFlags.of(0))).fh();
        List<String> names = new ArrayList<>();
        run(() -> fs.readdir(TestContext.ROOT, nodeid, fh, 0, (name, next, type, ino) -> names.add(name.toString())));
        run(() -> fs.releasedir(TestContext.ROOT, new ReleaseRequest(nodeid, fh, 0, 0, 0)));
        return names;
    }

    long root() {
        return FileSystem.ROOT_ID;
    }

    @Override
    public void close() {
        workers.shutdownNow();
        fs.close();
        scratch.close();
    }
}
