package io.virtiofs.protocol.server;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.ErrnoException;
import java.lang.System.Logger.Level;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Requests an asynchronous file system completes later. A stage that is already complete is
 * answered at once, on the calling thread, as a synchronous file system's answer is. Otherwise the
 * request's {@link Exchange} (its context, its reply buffer, its listing) leaves the thread that
 * read the request, which takes a fresh one, and stays with the request until the stage completes;
 * the completing thread then writes the reply and hands the {@link Served} result to the
 * transport's {@link Completion}. No thread waits per request.
 */
final class PendingRequests {

    private static final System.Logger LOG = System.getLogger(FuseServer.class.getName());

    /** Writes the reply for a stage's value (may throw as a synchronous handler does). */
    @FunctionalInterface
    interface ReplyStep<T> {
        void reply(T value);
    }

    /** What {@link PendingRequests} needs of its server. */
    interface Host {
        /** Gives the calling thread a fresh exchange; {@code exchange} now belongs to its request. */
        void detach(Exchange exchange);

        /** The request of {@code exchange} is finished: end it, report it, and keep it for reuse. */
        void retire(Exchange exchange);

        /** Whether {@code session} is still the current session. */
        boolean isCurrent(@Nullable Session session);
    }

    private final Host host;
    private final Answers answers;
    private final Counters counters;

    PendingRequests(Host host, Answers answers, Counters counters) {
        this.host = host;
        this.answers = answers;
        this.counters = counters;
    }

    /**
     * Answers {@code exchange}'s request with what {@code stage} completes with, through
     * {@code step}: at once when the stage is complete already (or the transport cannot take a
     * pending result), otherwise {@link Served#pending()}.
     */
    <T> Served await(Exchange exchange, @Nullable CompletionStage<T> stage, ReplyStep<T> step) {
        return await(exchange, stage, step, null);
    }

    /**
     * {@link #await} for a directory listing built in {@code listing}: as for a synchronous
     * listing, a failure after some entries were added ends the listing there.
     */
    Served awaitListing(Exchange exchange, ByteBuf listing, @Nullable CompletionStage<Void> stage) {
        return await(exchange, stage, done -> exchange.finishListing(listing), listing);
    }

    private <T> Served await(Exchange exchange, @Nullable CompletionStage<T> stage, ReplyStep<T> step,
                             @Nullable ByteBuf listing) {
        if (stage == null) {
            throw new IllegalStateException("the file system answered " + exchange.opcode() + " of node "
                    + exchange.nodeid() + " with no stage (null)");
        }
        // A CompletableFuture is itself; any other stage (a minimal one included) gives one that
        // follows it.
        CompletableFuture<T> future = stage.toCompletableFuture();
        if (future.isDone() || exchange.completion() == Completion.SYNCHRONOUS) {
            T value;
            try {
                value = valueOf(future);
            } catch (ErrnoException failure) {
                if (listing != null && listing.writerIndex() > 0) {
                    exchange.finishListing(listing);
                    return Served.replied();
                }
                throw failure;
            }
            step.reply(value);
            return Served.replied();
        }
        Pending<T> request = new Pending<>(exchange, step, listing);
        host.detach(exchange);
        future.whenComplete(request);
        return request.started();
    }

    /** The future's value, waiting for it if need be; its failure rethrown as itself. */
    private static <T> T valueOf(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (ExecutionException | CompletionException e) {
            throw rethrowable(e.getCause() != null ? e.getCause() : e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErrnoException(io.virtiofs.api.Errno.EINTR, "interrupted while waiting for the file system");
        }
    }

    /** A failure as something to throw: itself when unchecked, wrapped when checked. */
    private static RuntimeException rethrowable(Throwable failure) {
        if (failure instanceof RuntimeException runtime) {
            return runtime;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        return new IllegalStateException("the file system's stage failed with " + failure, failure);
    }

    /** One request waiting for its stage; the stage's completion action. */
    private final class Pending<T> implements BiConsumer<T, Throwable> {

        private static final int STARTING = 0;
        private static final int PENDING = 1;
        private static final int FINISHED_INLINE = 2;

        private final Exchange exchange;
        private final ReplyStep<T> step;
        private final @Nullable ByteBuf listing;
        private final Completion completion;
        private final AtomicInteger state = new AtomicInteger(STARTING);
        private volatile @Nullable Served inline;

        Pending(Exchange exchange, ReplyStep<T> step, @Nullable ByteBuf listing) {
            this.exchange = exchange;
            this.step = step;
            this.listing = listing;
            this.completion = exchange.completion();
        }

        /** Called once the action is registered: pending, or what the stage completed with meanwhile. */
        Served started() {
            if (state.compareAndSet(STARTING, PENDING)) {
                return Served.pending();
            }
            Served result = inline;
            assert result != null;
            return result;
        }

        @Override
        public void accept(@Nullable T value, @Nullable Throwable failure) {
            Served served = finish(value, failure);
            host.retire(exchange);
            inline = served;
            if (state.compareAndSet(STARTING, FINISHED_INLINE)) {
                return; // started() answers it, on the thread that read the request
            }
            try {
                completion.complete(served);
            } catch (RuntimeException | Error bug) {
                LOG.log(Level.ERROR, "the transport failed to take the completed request " + exchange.unique(), bug);
            }
        }

        @SuppressWarnings("unchecked")
        private Served finish(@Nullable T value, @Nullable Throwable failure) {
            try {
                if (!host.isCurrent(exchange.session())) {
                    // The session ended while the request waited: nobody expects its reply.
                    exchange.discardReply();
                    return Served.noReply();
                }
                try {
                    if (failure != null) {
                        throw rethrowable(failure instanceof CompletionException && failure.getCause() != null
                                ? failure.getCause() : failure);
                    }
                    step.reply((T) value);
                    return Served.replied();
                } catch (Throwable thrown) {
                    ByteBuf partial = listing;
                    if (thrown instanceof ErrnoException && partial != null && partial.writerIndex() > 0) {
                        exchange.finishListing(partial);
                        return Served.replied();
                    }
                    return answers.failed(exchange, exchange.opcode(), thrown);
                }
            } catch (ReplyTooLarge tooLarge) {
                exchange.discardReply();
                counters.repliesTooLarge.increment();
                return Served.noRoom();
            } catch (Throwable fatal) {
                // A guest memory fault while writing the reply, or worse: the request still ends.
                LOG.log(Level.ERROR, "completing request " + exchange.unique() + " (" + exchange.opcode()
                        + ") failed; no reply", fatal);
                exchange.discardReply();
                return Served.noRoom();
            }
        }
    }
}
