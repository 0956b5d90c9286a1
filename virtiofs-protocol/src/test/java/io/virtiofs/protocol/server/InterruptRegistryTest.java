package io.virtiofs.protocol.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class InterruptRegistryTest {

    @Test
    void theExchangesOfEndedThreadsAreDroppedWhenTheNextThreadRegisters() throws InterruptedException {
        InterruptRegistry registry = new InterruptRegistry();
        CountDownLatch registered = new CountDownLatch(10);
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                registry.register(new Exchange(Unpooled.EMPTY_BUFFER));
                registered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        registered.await();
        release.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(10, registry.registered(), "nothing is dropped before the next registration");
        registry.register(new Exchange(Unpooled.EMPTY_BUFFER));
        assertEquals(1, registry.registered(), "only the live thread's exchange stays");
    }

    @Test
    void aLiveThreadKeepsItsExchange() throws InterruptedException {
        InterruptRegistry registry = new InterruptRegistry();
        CountDownLatch registered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread living = Thread.ofPlatform().start(() -> {
            registry.register(new Exchange(Unpooled.EMPTY_BUFFER));
            registered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        registered.await();
        registry.register(new Exchange(Unpooled.EMPTY_BUFFER));
        assertEquals(2, registry.registered(), "the waiting thread is alive");
        release.countDown();
        living.join();
        registry.register(new Exchange(Unpooled.EMPTY_BUFFER));
        assertEquals(2, registry.registered(), "this thread's two exchanges; the ended thread's is gone");
    }
}
