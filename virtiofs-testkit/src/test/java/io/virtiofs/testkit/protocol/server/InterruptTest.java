package io.virtiofs.testkit.protocol.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Errno;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.InterruptIn;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.protocol.server.Served;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** FUSE_INTERRUPT: a running request sees it; one that has not started yet is cancelled on arrival. */
@Timeout(30)
class InterruptTest {

    @Test
    void aRunningRequestObservesTheInterruptAndAnswersEintr() throws Exception {
        TestFileSystem fs = new TestFileSystem().withFile("slow", 5, "data");
        fs.blockReads = true;
        ServerDriver driver = new ServerDriver(fs, WireOrder.LITTLE_ENDIAN);
        driver.init();
        long unique = driver.nextUnique();
        CompletableFuture<ServerDriver.Reply> read = CompletableFuture.supplyAsync(
                () -> driver.send(FuseMessage.of(Opcode.READ, unique, 5, new ReadIn(1, 0, 4096, 0, 0, 0))));
        assertTrue(fs.readStarted.await(10, TimeUnit.SECONDS));
        ServerDriver.Reply interrupt = driver.send(FuseMessage.of(Opcode.INTERRUPT, driver.nextUnique(), 0,
                new InterruptIn(unique)));
        assertEquals(Served.Kind.NO_REPLY, interrupt.outcome());
        read.get(10, TimeUnit.SECONDS).assertError(Errno.EINTR);
        assertEquals(1, driver.server.statistics().interruptsDelivered());
    }

    @Test
    void cancelRunningEndsTheRunningRequestWithEnotconnAndNoLaterOne() throws Exception {
        TestFileSystem fs = new TestFileSystem().withFile("slow", 5, "data");
        fs.blockReads = true;
        ServerDriver driver = new ServerDriver(fs, WireOrder.LITTLE_ENDIAN);
        driver.init();
        CompletableFuture<ServerDriver.Reply> read = CompletableFuture.supplyAsync(
                () -> driver.send(FuseMessage.of(Opcode.READ, driver.nextUnique(), 5, new ReadIn(1, 0, 4096, 0, 0, 0))));
        assertTrue(fs.readStarted.await(10, TimeUnit.SECONDS));
        driver.server.cancelRunning();
        read.get(10, TimeUnit.SECONDS).assertError(Errno.ENOTCONN);
        assertEquals(0, driver.server.statistics().interrupts(), "no FUSE_INTERRUPT was involved");
        fs.blockReads = false;
        driver.send(FuseMessage.of(Opcode.READ, driver.nextUnique(), 5, new ReadIn(1, 0, 4096, 0, 0, 0))).assertOk();
    }

    @Test
    void anInterruptThatOvertakesItsRequestCancelsItOnArrival() {
        TestFileSystem fs = new TestFileSystem().withFile("f", 5, "data");
        ServerDriver driver = new ServerDriver(fs, WireOrder.BIG_ENDIAN);
        driver.init();
        long unique = driver.nextUnique();
        assertEquals(Served.Kind.NO_REPLY, driver.send(FuseMessage.of(Opcode.INTERRUPT, driver.nextUnique(), 0,
                new InterruptIn(unique))).outcome());
        driver.send(FuseMessage.of(Opcode.READ, unique, 5, new ReadIn(1, 0, 4096, 0, 0, 0))).assertError(Errno.EINTR);
        // Remembered once only: the next request is served normally.
        driver.send(FuseMessage.of(Opcode.READ, driver.nextUnique(), 5, new ReadIn(1, 0, 4096, 0, 0, 0))).assertOk();
    }

    @Test
    void devFuseServersAnswerEagainToAnInterruptOfAnUnknownRequest() {
        FuseServer server = new FuseServer(new TestFileSystem(),
                FuseServerConfig.builder().answerUnknownInterrupts(true).build());
        ServerDriver driver = new ServerDriver(server, WireOrder.LITTLE_ENDIAN);
        driver.init();
        driver.send(FuseMessage.of(Opcode.INTERRUPT, driver.nextUnique(), 0, new InterruptIn(12345)))
                .assertError(Errno.EAGAIN);
    }

    @Test
    void anInterruptRunsTheCancellationActionTheFileSystemRegistered() throws Exception {
        java.util.concurrent.CountDownLatch actionRan = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch registered = new java.util.concurrent.CountDownLatch(1);
        TestFileSystem fs = new TestFileSystem() {
            @Override
            public void read(io.virtiofs.api.Context ctx, io.virtiofs.api.ReadRequest request,
                             io.netty.buffer.ByteBuf dst) {
                ctx.onCancel(actionRan::countDown);
                registered.countDown();
                try {
                    if (!actionRan.await(10, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the action never ran");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new io.virtiofs.api.ErrnoException(Errno.EINTR);
            }
        }.withFile("slow", 5, "data");
        ServerDriver driver = new ServerDriver(fs, WireOrder.LITTLE_ENDIAN);
        driver.init();
        long unique = driver.nextUnique();
        CompletableFuture<ServerDriver.Reply> read = CompletableFuture.supplyAsync(
                () -> driver.send(FuseMessage.of(Opcode.READ, unique, 5, new ReadIn(1, 0, 4096, 0, 0, 0))));
        assertTrue(registered.await(10, TimeUnit.SECONDS));
        driver.send(FuseMessage.of(Opcode.INTERRUPT, driver.nextUnique(), 0, new InterruptIn(unique)));
        read.get(10, TimeUnit.SECONDS).assertError(Errno.EINTR);
        // A later request of the same thread has no action left to run.
        driver.send(FuseMessage.of(Opcode.INTERRUPT, driver.nextUnique(), 0, new InterruptIn(unique)));
    }

    @Test
    void anActionRegisteredAfterTheInterruptRunsAtOnce() throws Exception {
        boolean[] ran = {false};
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        TestFileSystem fs = new TestFileSystem() {
            @Override
            public void read(io.virtiofs.api.Context ctx, io.virtiofs.api.ReadRequest request,
                             io.netty.buffer.ByteBuf dst) {
                started.countDown();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!ctx.isCancelled() && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                ctx.onCancel(() -> ran[0] = true);
                ctx.checkCancelled();
            }
        }.withFile("f", 5, "data");
        ServerDriver driver = new ServerDriver(fs, WireOrder.LITTLE_ENDIAN);
        driver.init();
        long unique = driver.nextUnique();
        CompletableFuture<ServerDriver.Reply> read = CompletableFuture.supplyAsync(
                () -> driver.send(FuseMessage.of(Opcode.READ, unique, 5, new ReadIn(1, 0, 4096, 0, 0, 0))));
        assertTrue(started.await(10, TimeUnit.SECONDS));
        driver.send(FuseMessage.of(Opcode.INTERRUPT, driver.nextUnique(), 0, new InterruptIn(unique)));
        read.get(10, TimeUnit.SECONDS).assertError(Errno.EINTR);
        assertTrue(ran[0], "registered on a cancelled request, the action runs at once");
    }
}
