package io.virtiofs.examples.async;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.AsyncFileSystem;
import io.virtiofs.api.AttrReply;
import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.ForwardingFileSystem;
import io.virtiofs.api.ReadRequest;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * An asynchronous file system for transport tests, over any synchronous one: reads and getattrs
 * complete later, on threads of its own, after a random delay of up to a few milliseconds (so they
 * finish out of order); those of the nodes marked {@linkplain #slow slow} wait until
 * {@link #releaseSlow()} or until they are cancelled ({@link Context#onCancel}), then answer EINTR.
 * Everything else is answered at once by the file system underneath.
 */
public final class LaterFileSystem extends ForwardingFileSystem implements AsyncFileSystem {

    private final ScheduledExecutorService completer = Executors.newScheduledThreadPool(2, task -> {
        Thread thread = new Thread(task, "later-fs-completer");
        thread.setDaemon(true);
        return thread;
    });
    private final Set<Long> slowNodes = ConcurrentHashMap.newKeySet();
    private final List<Later<?>> waiting = new CopyOnWriteArrayList<>();
    private final SplittableRandom random = new SplittableRandom(15);
    /** A permit per slow request that started waiting. */
    public final Semaphore slowStarted = new Semaphore(0);
    /** Requests that completed later (not at once). */
    public final AtomicInteger completedLater = new AtomicInteger();
    /** Slow requests that ended because they were cancelled. */
    public final AtomicInteger cancelled = new AtomicInteger();

    public LaterFileSystem(FileSystem delegate) {
        super(delegate);
    }

    /** Makes reads and getattrs of {@code nodeid} wait until released or cancelled. */
    public void slow(long nodeid) {
        slowNodes.add(nodeid);
    }

    /** Lets every slow request waiting now complete; no node is slow any more. */
    public void releaseSlow() {
        slowNodes.clear();
        for (Later<?> later : waiting) {
            waiting.remove(later);
            completer.execute(later::run);
        }
    }

    /** Slow requests waiting now. */
    public int slowWaiting() {
        return waiting.size();
    }

    /** Waits until {@code count} slow requests have started waiting. */
    public boolean awaitSlow(int count) throws InterruptedException {
        return slowStarted.tryAcquire(count, 20, TimeUnit.SECONDS);
    }

    /**
     * A request answered later: computes its value (writing into the request's buffers) unless it
     * was cancelled first, under one lock, so that nothing is written after its stage completed.
     */
    private final class Later<T> {
        private final CompletableFuture<T> stage = new CompletableFuture<>();
        private final Supplier<T> answer;

        Later(Supplier<T> answer) {
            this.answer = answer;
        }

        synchronized void run() {
            if (stage.isDone()) {
                return;
            }
            try {
                T value = answer.get();
                completedLater.incrementAndGet();
                stage.complete(value);
            } catch (RuntimeException e) {
                stage.completeExceptionally(e);
            }
        }

        synchronized void cancel() {
            waiting.remove(this);
            if (stage.completeExceptionally(new ErrnoException(Errno.EINTR, "cancelled while waiting"))) {
                cancelled.incrementAndGet();
            }
        }
    }

    private <T> CompletionStage<T> later(Context ctx, long nodeid, Supplier<T> answer) {
        Later<T> later = new Later<>(answer);
        if (slowNodes.contains(nodeid)) {
            waiting.add(later);
            ctx.onCancel(later::cancel);
            slowStarted.release();
        } else {
            int delayMicros;
            synchronized (random) {
                delayMicros = random.nextInt(3000);
            }
            completer.schedule(later::run, delayMicros, TimeUnit.MICROSECONDS);
        }
        return later.stage;
    }

    @Override
    public CompletionStage<Void> readAsync(Context ctx, ReadRequest request, ByteBuf dst) {
        return later(ctx, request.nodeid(), () -> {
            delegate.read(ctx, request, dst);
            return null;
        });
    }

    @Override
    public CompletionStage<AttrReply> getattrAsync(Context ctx, long nodeid) {
        return later(ctx, nodeid, () -> delegate.getattr(ctx, nodeid));
    }
}
