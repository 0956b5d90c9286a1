package io.virtiofs.protocol.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class InterruptRegistryTest {

    /** Threads that each register an exchange, then wait until {@link #end()}. */
    private static final class Registrants {
        final CountDownLatch registered;
        final CountDownLatch release = new CountDownLatch(1);
        final List<Thread> threads = new ArrayList<>();

        Registrants(InterruptRegistry registry, int count) throws InterruptedException {
            registered = new CountDownLatch(count);
            for (int i = 0; i < count; i++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    registry.register(new Exchange(Unpooled.EMPTY_BUFFER, FuseServerConfig.defaults()));
                    registered.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            registered.await();
        }

        /** Lets every thread end and waits for it. */
        void end() throws InterruptedException {
            release.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
        }
    }

    @Test
    void theExchangesOfEndedThreadsAreDroppedWhenTheNextThreadRegisters() throws InterruptedException {
        InterruptRegistry registry = new InterruptRegistry();
        new Registrants(registry, 10).end();
        assertEquals(10, registry.registered(), "nothing is dropped before the next registration");
        registry.register(new Exchange(Unpooled.EMPTY_BUFFER, FuseServerConfig.defaults()));
        assertEquals(1, registry.registered(), "only the live thread's exchange stays");
    }

    @Test
    void aLiveThreadKeepsItsExchange() throws InterruptedException {
        InterruptRegistry registry = new InterruptRegistry();
        Registrants waiting = new Registrants(registry, 1);
        registry.register(new Exchange(Unpooled.EMPTY_BUFFER, FuseServerConfig.defaults()));
        assertEquals(2, registry.registered(), "the waiting thread is alive");
        waiting.end();
        registry.register(new Exchange(Unpooled.EMPTY_BUFFER, FuseServerConfig.defaults()));
        assertEquals(2, registry.registered(), "this thread's two exchanges; the ended thread's is gone");
    }
}
