package io.virtiofs.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Context;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.ReadRequest;
import io.virtiofs.s3.store.Listing;
import io.virtiofs.s3.store.ObjectInfo;
import io.virtiofs.s3.store.ObjectStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's asynchronous operations against an in-memory store whose calls are held until the
 * test lets them finish: a stage stays pending while its store call waits (no thread waits for
 * it), completes with the data once the call finishes, and ends with EINTR or ETIMEDOUT without
 * touching the read's buffer when the request is interrupted or the call takes too long.
 */
class AsyncGatewayTest {

    private static final int BLOCK = 4096;

    @TempDir
    Path spill;

    /** An {@link ObjectStore} whose reads (HEAD, GET, LIST) wait for {@link #release()} while held. */
    private static final class HeldStore implements ObjectStore {
        final MemoryStore store = new MemoryStore();
        private volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);

        void hold() {
            gate = new CompletableFuture<>();
        }

        void release() {
            gate.complete(null);
        }

        private <T> CompletableFuture<T> after(Supplier<CompletableFuture<T>> call) {
            return gate.thenCompose(v -> call.get());
        }

        @Override
        public CompletableFuture<Optional<ObjectInfo>> head(String key) {
            return after(() -> store.head(key));
        }

        @Override
        public CompletableFuture<Listing> list(String prefix, Optional<String> continuation, int maxKeys) {
            return after(() -> store.list(prefix, continuation, maxKeys));
        }

        @Override
        public CompletableFuture<Listing> listAll(String prefix, Optional<String> continuation, int maxKeys) {
            return after(() -> store.listAll(prefix, continuation, maxKeys));
        }

        @Override
        public CompletableFuture<byte[]> get(String key, long offset, int length, String etag) {
            return after(() -> store.get(key, offset, length, etag));
        }

        @Override
        public CompletableFuture<Void> getBlocks(String key, long offset, int blockSize,
                                                 List<CompletableFuture<byte[]>> blocks, String etag) {
            return after(() -> store.getBlocks(key, offset, blockSize, blocks, etag));
        }

        @Override
        public CompletableFuture<ObjectInfo> put(String key, byte[] data) {
            return store.put(key, data);
        }

        @Override
        public CompletableFuture<ObjectInfo> put(String key, Path file, long length) {
            return store.put(key, file, length);
        }

        @Override
        public CompletableFuture<String> startMultipart(String key) {
            return store.startMultipart(key);
        }

        @Override
        public CompletableFuture<String> uploadPart(String key, String uploadId, int number, Path file, long offset,
                                                    long length) {
            return store.uploadPart(key, uploadId, number, file, offset, length);
        }

        @Override
        public CompletableFuture<ObjectInfo> completeMultipart(String key, String uploadId, List<String> partEtags) {
            return store.completeMultipart(key, uploadId, partEtags);
        }

        @Override
        public CompletableFuture<Void> abortMultipart(String key, String uploadId) {
            return store.abortMultipart(key, uploadId);
        }

        @Override
        public CompletableFuture<ObjectInfo> copy(String source, String target) {
            return store.copy(source, target);
        }

        @Override
        public CompletableFuture<ObjectInfo> touch(String key) {
            return store.touch(key);
        }

        @Override
        public CompletableFuture<Void> delete(String key) {
            return store.delete(key);
        }

        @Override
        public void close() {
            store.close();
        }
    }

    /** A request's context that the test interrupts. */
    private static final class TestContext implements Context {
        private volatile boolean cancelled;
        private volatile Runnable onCancel;

        void interrupt() {
            cancelled = true;
            Runnable action = onCancel;
            if (action != null) {
                action.run();
            }
        }

        @Override
        public int uid() {
            return 0;
        }

        @Override
        public int gid() {
            return 0;
        }

        @Override
        public int pid() {
            return 1;
        }

        @Override
        public int umask() {
            return 022;
        }

        @Override
        public int supplementaryGroupCount() {
            return 0;
        }

        @Override
        public int supplementaryGroup(int index) {
            throw new IndexOutOfBoundsException(index);
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public void onCancel(Runnable action) {
            onCancel = action;
            if (cancelled) {
                action.run();
            }
        }

        @Override
        public List<io.virtiofs.api.SecurityLabel> securityLabels() {
            return List.of();
        }

        @Override
        public long requestId() {
            return 1;
        }
    }

    private final HeldStore store = new HeldStore();
    private final byte[] data = new byte[3 * BLOCK + 100];

    private S3FileSystem gateway(Duration timeout) {
        new SplittableRandom(15).nextBytes(data);
        store.store.objects.put("f", data.clone());
        return new S3FileSystem(store, S3Config.builder().spillDirectory(spill).blockSize(BLOCK).readAheadBlocks(0)
                .cacheBytes(64L * BLOCK).timeout(timeout).build());
    }

    /** Looks "f" up and opens it with the store answering at once; its handle. */
    private long open(S3FileSystem fs, Entry[] entry) {
        entry[0] = fs.lookup(new TestContext(), FileSystem.ROOT_ID, FileName.of("f"));
        return fs.open(new TestContext(), entry[0].nodeid(), OpenFlags.of(0)).fh();
    }

    private static Throwable failure(CompletionStage<?> stage) throws InterruptedException {
        try {
            stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable t = e.getCause();
            while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
                t = t.getCause();
            }
            return t;
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the stage did not complete", e);
        }
        throw new AssertionError("the stage completed normally");
    }

    @Test
    void aReadWaitsForItsGetsWithoutAThreadAndIsWrittenWhenTheyFinish() throws Exception {
        S3FileSystem fs = gateway(Duration.ofSeconds(30));
        Entry[] entry = new Entry[1];
        long fh = open(fs, entry);
        store.hold();
        ByteBuf dst = Unpooled.buffer(3 * BLOCK);
        CompletionStage<Void> read = fs.readAsync(new TestContext(),
                new ReadRequest(entry[0].nodeid(), fh, BLOCK - 10, 2 * BLOCK, 0, 0, 0), dst);
        assertFalse(read.toCompletableFuture().isDone(), "the read waits for its blocks");
        assertEquals(0, dst.writerIndex());
        store.release();
        read.toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertArrayEquals(java.util.Arrays.copyOfRange(data, BLOCK - 10, 3 * BLOCK - 10), ByteBufUtil.getBytes(dst));

        // The blocks are cached now: the same read is answered at once.
        ByteBuf again = Unpooled.buffer(3 * BLOCK);
        store.hold();
        CompletionStage<Void> cached = fs.readAsync(new TestContext(),
                new ReadRequest(entry[0].nodeid(), fh, BLOCK - 10, 2 * BLOCK, 0, 0, 0), again);
        assertTrue(cached.toCompletableFuture().isDone(), "cached blocks answer without waiting");
        assertEquals(dst, again);
        store.release();
    }

    @Test
    void anInterruptedReadEndsWithEintrAndLeavesItsBufferAlone() throws Exception {
        S3FileSystem fs = gateway(Duration.ofSeconds(30));
        Entry[] entry = new Entry[1];
        long fh = open(fs, entry);
        store.hold();
        TestContext ctx = new TestContext();
        ByteBuf dst = Unpooled.buffer(BLOCK);
        CompletionStage<Void> read = fs.readAsync(ctx, new ReadRequest(entry[0].nodeid(), fh, 0, BLOCK, 0, 0, 0), dst);
        ctx.interrupt();
        Throwable t = failure(read);
        assertEquals(Errno.EINTR, assertInstanceOf(ErrnoException.class, t).errno());
        store.release(); // the GET finishes after the answer: nothing is written any more
        Thread.sleep(50);
        assertEquals(0, dst.writerIndex());
    }

    @Test
    void aReadTheStoreDoesNotAnswerInTimeEndsWithEtimedout() throws Exception {
        S3FileSystem fs = gateway(Duration.ofMillis(100));
        Entry[] entry = new Entry[1];
        long fh = open(fs, entry);
        store.hold();
        ByteBuf dst = Unpooled.buffer(BLOCK);
        CompletionStage<Void> read = fs.readAsync(new TestContext(),
                new ReadRequest(entry[0].nodeid(), fh, 0, BLOCK, 0, 0, 0), dst);
        Throwable t = failure(read);
        assertEquals(Errno.ETIMEDOUT, assertInstanceOf(ErrnoException.class, t).errno());
        store.release();
        Thread.sleep(50);
        assertEquals(0, dst.writerIndex());
    }

    @Test
    void lookupGetattrAndOpendirWaitForTheStoreWithoutAThread() throws Exception {
        S3FileSystem fs = gateway(Duration.ofSeconds(30));
        store.hold();
        CompletionStage<Entry> lookup = fs.lookupAsync(new TestContext(), FileSystem.ROOT_ID, FileName.of("f"));
        CompletionStage<io.virtiofs.api.OpenReply> opendir = fs.opendirAsync(new TestContext(), FileSystem.ROOT_ID,
                OpenFlags.of(0));
        assertFalse(lookup.toCompletableFuture().isDone());
        assertFalse(opendir.toCompletableFuture().isDone());
        store.release();
        Entry entry = lookup.toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(data.length, entry.attr().size());
        opendir.toCompletableFuture().get(10, TimeUnit.SECONDS);

        // Another client changes the object; with its attributes stale, getattr asks the store.
        store.store.objects.put("f", new byte[7]);
        S3FileSystem fresh = new S3FileSystem(store, S3Config.builder().spillDirectory(spill).blockSize(BLOCK)
                .readAheadBlocks(0).cacheBytes(64L * BLOCK).attrTimeout(Duration.ZERO).entryTimeout(Duration.ZERO)
                .build());
        long node = fresh.lookup(new TestContext(), FileSystem.ROOT_ID, FileName.of("f")).nodeid();
        store.hold();
        CompletionStage<io.virtiofs.api.AttrReply> getattr = fresh.getattrAsync(new TestContext(), node);
        assertFalse(getattr.toCompletableFuture().isDone());
        store.release();
        assertEquals(7, getattr.toCompletableFuture().get(10, TimeUnit.SECONDS).attr().size());

        store.store.objects.remove("f");
        assertEquals(Errno.ENOENT, assertInstanceOf(ErrnoException.class,
                failure(fresh.getattrAsync(new TestContext(), node))).errno());
    }
}
