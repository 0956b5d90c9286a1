package io.virtiofs.transport.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Errno;
import io.virtiofs.protocol.server.Completion;
import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.protocol.server.Served;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pool for requests that may block, and the lanes that count each worker's hand-offs. */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BlockingRequestsTest {

    private static final String PREFIX = "test-blocking-";

    /** A handler whose cancelRunning() ends the waits after ignoring {@code ignored} calls. */
    private static final class CancellingHandler implements FuseRequestHandler {
        final AtomicInteger cancelCalls = new AtomicInteger();
        final AtomicInteger ignored = new AtomicInteger();
        final CountDownLatch cancelled = new CountDownLatch(1);

        @Override
        public Served handle(ByteBuf request, ByteBuf reply, Completion completion) {
            throw new UnsupportedOperationException("the pool never calls the handler itself");
        }

        @Override
        public Served answerFailure(ByteBuf request, ByteBuf reply, Errno errno) {
            throw new UnsupportedOperationException("the pool never calls the handler itself");
        }

        @Override
        public void cancelRunning() {
            cancelCalls.incrementAndGet();
            if (ignored.getAndUpdate(n -> Math.max(0, n - 1)) == 0) {
                cancelled.countDown();
            }
        }
    }

    private final CancellingHandler handler = new CancellingHandler();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final BlockingRequests pool = new BlockingRequests(handler, PREFIX, 2, failures::add);

    @AfterEach
    void endPool() {
        release.countDown();
        handler.cancelled.countDown();
        pool.shutDownAndJoin();
    }

    @Test
    void handOffsRunOnNamedVirtualThreadsAndAreRefusedBeyondTheLimit() throws Exception {
        BlockingRequests.Lane lane = pool.lane();
        CountDownLatch started = new CountDownLatch(2);
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        Runnable wait = () -> {
            ranOn.add(Thread.currentThread());
            started.countDown();
            await(release);
        };
        assertTrue(lane.handOff(wait));
        assertTrue(pool.lane().handOff(wait), "the limit is the pool's, over every lane");
        assertTrue(started.await(10, TimeUnit.SECONDS));
        AtomicInteger refusedRan = new AtomicInteger();
        BlockingRequests.Lane refusedLane = pool.lane();
        assertFalse(refusedLane.handOff(refusedRan::incrementAndGet), "a third wait is refused");
        refusedLane.cancelAndAwaitAnswered();
        assertEquals(0, handler.cancelCalls.get(), "a refused hand-off is not pending: nothing to cancel");

        release.countDown();
        lane.cancelAndAwaitAnswered();
        assertEquals(0, refusedRan.get());
        List<Thread> threads = pool.threads();
        assertEquals(2, threads.size());
        for (Thread thread : threads) {
            assertTrue(thread.isVirtual());
            assertTrue(thread.getName().startsWith(PREFIX), thread.getName());
            assertTrue(pool.isPoolThread(thread));
        }
        assertEquals(List.copyOf(ranOn).stream().sorted(BlockingRequestsTest::byName).toList(),
                threads.stream().sorted(BlockingRequestsTest::byName).toList());
        assertFalse(pool.isPoolThread(Thread.currentThread()));
        assertTrue(failures.isEmpty(), failures::toString);
    }

    /** The race the retry covers: a wait that begins after the first cancel. */
    @Test
    void awaitingALaneCancelsUntilEveryHandOffIsAnswered() throws Exception {
        BlockingRequests.Lane lane = pool.lane();
        BlockingRequests.Lane otherLane = pool.lane();
        handler.ignored.set(3);
        CountDownLatch started = new CountDownLatch(1);
        assertTrue(lane.handOff(() -> {
            started.countDown();
            await(handler.cancelled);
        }));
        CountDownLatch otherStarted = new CountDownLatch(1);
        assertTrue(otherLane.handOff(() -> {
            otherStarted.countDown();
            await(release);
        }));
        assertTrue(started.await(10, TimeUnit.SECONDS));
        assertTrue(otherStarted.await(10, TimeUnit.SECONDS));

        lane.cancelAndAwaitAnswered();
        assertEquals(4, handler.cancelCalls.get(), "three ignored cancels, then the one that ended the wait");
        release.countDown();
        otherLane.cancelAndAwaitAnswered();
    }

    @Test
    void aFailingHandOffIsReportedAndStillCounted() throws Exception {
        BlockingRequests.Lane lane = pool.lane();
        AssertionError bug = new AssertionError("a handler bug, on purpose");
        assertTrue(lane.handOff(() -> {
            throw bug;
        }));
        lane.cancelAndAwaitAnswered();
        assertEquals(1, failures.size());
        assertSame(bug, failures.getFirst());
        assertEquals(1, pool.threads().size());
    }

    @Test
    void shutDownEndsEveryThreadAndRefusesNewHandOffs() throws Exception {
        BlockingRequests.Lane lane = pool.lane();
        CountDownLatch ran = new CountDownLatch(2);
        assertTrue(lane.handOff(ran::countDown));
        assertTrue(lane.handOff(ran::countDown));
        assertTrue(ran.await(10, TimeUnit.SECONDS));
        lane.cancelAndAwaitAnswered();
        pool.shutDownAndJoin();
        assertFalse(pool.threads().isEmpty());
        for (Thread thread : pool.threads()) {
            assertFalse(thread.isAlive(), thread.getName());
        }
        assertFalse(lane.handOff(() -> {
            throw new AssertionError("ran after the shutdown");
        }));
        lane.cancelAndAwaitAnswered();
    }

    @Test
    void aLimitBelowOneIsRefused() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new BlockingRequests(handler, PREFIX, 0, failures::add));
        assertEquals("maxWaiting must be at least 1: 0", e.getMessage());
    }

    private static int byName(Thread a, Thread b) {
        return a.getName().compareTo(b.getName());
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(15, TimeUnit.SECONDS)) {
                throw new AssertionError("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
