package io.virtiofs.transport.vhostuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Errno;
import io.virtiofs.transport.internal.nativeio.EventFdCalls;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.SocketCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EventFdWrappersTest {

    private Set<Integer> fdsBefore;

    @BeforeEach
    void countFds() {
        fdsBefore = OpenFds.now();
    }

    @AfterEach
    void nothingLeaks() {
        Set<Integer> leaked = new HashSet<>(OpenFds.now());
        leaked.removeAll(fdsBefore);
        assertEquals(Set.of(), leaked, "descriptors left open: " + OpenFds.describe(leaked));
    }

    private static int eventfd() throws NativeException {
        return EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC | EventFdCalls.EFD_NONBLOCK);
    }

    /** A second descriptor of the same eventfd, as the front-end's SCM_RIGHTS message makes one. */
    private static int duplicate(int fd) throws NativeException {
        int[] pair = SocketCalls.socketPair(SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment byteBuffer = arena.allocate(1);
            SocketCalls.sendMessage(pair[0], byteBuffer, 1, fd);
            return SocketCalls.receiveMessage(pair[1], byteBuffer, 1, 1).fd(0);
        } finally {
            FileCalls.close(pair[0]);
            FileCalls.close(pair[1]);
        }
    }

    @Test
    void useCountClosesOnceWhenTheLastUserLeavesAfterRetirement() {
        AtomicInteger closes = new AtomicInteger();
        UseCount uses = new UseCount(closes::incrementAndGet);
        assertTrue(uses.enter());
        assertTrue(uses.enter());
        uses.retire();
        uses.retire();
        assertEquals(0, closes.get());
        assertFalse(uses.isClosed());
        uses.exit();
        assertEquals(0, closes.get());
        uses.exit();
        assertEquals(1, closes.get());
        assertTrue(uses.isClosed());
        assertFalse(uses.enter(), "a closed resource admits nobody");
        assertThrows(IllegalStateException.class, uses::exit);
    }

    @Test
    void aKickWakesTheWaiterAndIsConsumed() throws Exception {
        int front = eventfd();
        try (EventFdKick kick = new EventFdKick(duplicate(front))) {
            CompletableFuture<Void> waiter = CompletableFuture.runAsync(kick::awaitKick);
            EventFdCalls.write(front, 3);
            waiter.get(10, TimeUnit.SECONDS);
            assertEquals(Errno.EAGAIN, assertThrows(NativeException.class, () -> EventFdCalls.read(front)).errno(),
                    "the waiter consumed the kick");
        } finally {
            FileCalls.close(front);
        }
    }

    @Test
    void wakeEndsAWaitWithoutAKickAndAPendingWakeEndsTheNextWaitAtOnce() throws Exception {
        try (EventFdKick kick = new EventFdKick(eventfd())) {
            CompletableFuture<Void> waiter = CompletableFuture.runAsync(kick::awaitKick);
            kick.wake();
            waiter.get(10, TimeUnit.SECONDS);
            kick.wake();
            kick.awaitKick();
        }
    }

    @Test
    void retiringAKickWhileAWorkerWaitsWakesItAndClosesAfterIt() throws Exception {
        Set<Integer> before = OpenFds.now();
        EventFdKick kick = new EventFdKick(eventfd());
        assertEquals(before.size() + 2, OpenFds.now().size(), "the kick and its wake eventfd");
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> {
            waiting.countDown();
            kick.awaitKick();
        });
        waiting.await();
        kick.close();
        waiter.get(10, TimeUnit.SECONDS);
        assertTrue(kick.isClosed());
        assertEquals(before, OpenFds.now());
        kick.awaitKick();
        kick.wake();
    }

    @Test
    void aCallAddsOneAndIsANoOpOnceRetired() throws Exception {
        int front = eventfd();
        try {
            EventFdCall call = new EventFdCall(duplicate(front));
            call.call();
            call.call();
            assertEquals(2, EventFdCalls.read(front));
            call.close();
            assertTrue(call.isClosed());
            call.call();
            assertEquals(Errno.EAGAIN, assertThrows(NativeException.class, () -> EventFdCalls.read(front)).errno());
        } finally {
            FileCalls.close(front);
        }
    }

    @Test
    void callsRacingARetirementNeverTouchAClosedDescriptor() throws Exception {
        for (int round = 0; round < 50; round++) {
            EventFdCall call = new EventFdCall(eventfd());
            CountDownLatch go = new CountDownLatch(1);
            CompletableFuture<Void> caller = CompletableFuture.runAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                for (int i = 0; i < 200; i++) {
                    call.call();
                }
            });
            go.countDown();
            call.close();
            caller.get(10, TimeUnit.SECONDS);
            assertTrue(call.isClosed(), "round " + round);
        }
    }
}
