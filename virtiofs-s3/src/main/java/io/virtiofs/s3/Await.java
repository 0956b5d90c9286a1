package io.virtiofs.s3;

import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.s3.store.StoreException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Where the file system meets the store's futures. {@link #get} is where a synchronous operation
 * waits (the one place a request thread blocks); {@link #later} is the same bounds without a
 * waiting thread, for the operations answered asynchronously. Both give up with EINTR when the
 * driver interrupts the request, and with ETIMEDOUT at the deadline; the store call itself goes on
 * and ends by its own timeout.
 */
final class Await {

    private static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private Await() {
    }

    /** Waits at most {@code limit} (a store call's timeout and a margin). */
    static <T> T get(CompletableFuture<T> future, Duration limit, Context ctx, String what) {
        long deadline = System.nanoTime() + limit.toNanos() + TimeUnit.SECONDS.toNanos(1);
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new ErrnoException(Errno.ETIMEDOUT, what + " did not finish in " + limit.toMillis() + " ms");
            }
            try {
                return future.get(Math.min(left, SLICE_NANOS), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                if (ctx.isCancelled()) {
                    throw new ErrnoException(Errno.EINTR, what + " was interrupted");
                }
            } catch (ExecutionException e) {
                throw failure(what, e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ErrnoException(Errno.EINTR, what + ": the request thread was interrupted");
            }
        }
    }

    /**
     * {@code future} bounded as {@link #get} bounds it, without waiting: the stage answered
     * completes with its value, or with EINTR when the request is interrupted (through
     * {@link Context#onCancel}), or with ETIMEDOUT at the deadline, whichever comes first, and a
     * failure of the store call as {@link #failure}. Code chained on the answer runs only if the
     * value won, and before the request's stage completes: a read writes its buffer there.
     */
    static <T> CompletableFuture<T> later(CompletableFuture<T> future, Duration limit, Context ctx, String what) {
        CompletableFuture<T> bounded = new CompletableFuture<>();
        future.whenComplete((value, failure) -> {
            if (failure != null) {
                bounded.completeExceptionally(failure(what, failure));
            } else {
                bounded.complete(value);
            }
        });
        if (bounded.isDone()) {
            return bounded;
        }
        ctx.onCancel(() -> bounded.completeExceptionally(new ErrnoException(Errno.EINTR, what + " was interrupted")));
        // orTimeout's timer is cancelled when the future completes first: nothing stays queued.
        bounded.orTimeout(limit.toNanos() + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
        return bounded.exceptionallyCompose(failure -> CompletableFuture.failedFuture(
                failure instanceof TimeoutException
                        ? new ErrnoException(Errno.ETIMEDOUT, what + " did not finish in " + limit.toMillis() + " ms")
                        : failure));
    }

    /** A future's failure as the exception a file system method throws. */
    static ErrnoException failure(String what, Throwable cause) {
        Throwable t = cause;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof ErrnoException errno) {
            return errno;
        }
        return new StoreException(Errno.EIO, what + ": " + t, t);
    }
}
