package io.virtiofs.benchmarks;

import io.netty.buffer.ByteBuf;
import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.protocol.InitFlags;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.testkit.mock.MockDriver;
import io.virtiofs.testkit.wire.Requests;
import io.virtiofs.transport.device.VirtioFeature;
import io.virtiofs.transport.device.VirtioFsDevice;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * FUSE_GETATTR round trips through the whole virtio path: {@link MockDriver} (the guest driver,
 * rings in native memory) -> {@link VirtioFsDevice} queue worker -> {@link FuseServer} -> memfs,
 * and back through the used ring.
 *
 * <p>Each JMH thread is the driver of one request queue, as a guest vCPU would be: the device
 * gets as many request queues as the run has threads ({@code -t}), each served by its own worker
 * thread. A thread keeps {@link #inFlight} requests posted; one benchmark operation is one round
 * trip: reap a completion (waiting for it if none is there), check its reply, post the request
 * again, and when no further completion is waiting publish every request posted since the last
 * publication with one available-index store and at most one kick (EVENT_IDX decides). So a batch
 * is whatever completed together, as with a real driver's interrupt handler.
 *
 * <p>Scores are round trips per second summed over threads; divide by {@code -t} for the rate per
 * queue (each queue has one driver thread and one worker thread). With {@code -prof gc},
 * {@code gc.alloc.rate.norm} is the allocation per round trip on both sides (driver and device).
 * The {@link QueueDriver} counters show how often the two threads handed over to each other
 * and the CPU time each spent.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class DeviceRoundTripBenchmark {

    private static final int SLOT_BYTES = 256;
    private static final int REPLY_CAPACITY = SLOT_BYTES;

    /** The device, memfs and the driver, shared by the threads; one request queue per thread. */
    @State(Scope.Benchmark)
    public static class Rig {

        @Param({"LITTLE_ENDIAN", "BIG_ENDIAN"})
        public WireOrder order;

        /** Requests each driver thread keeps posted. */
        @Param({"1", "16", "128"})
        public int inFlight;

        /**
         * How many times an idle side polls its ring before it sleeps: the device worker before it
         * waits for a kick, the driver before it waits for an interrupt. 0 is a purely
         * notification-driven pair of threads; 2000 polls about 40 us on the reference machine
         * (one {@code Thread.onSpinWait()} is about 20 ns there), near QEMU's default
         * {@code poll-max-ns} of 32 us.
         */
        @Param({"0", "2000"})
        public int spin;

        MockDriver driver;
        VirtioFsDevice device;
        int queues;
        final AtomicInteger nextQueue = new AtomicInteger(1);

        @Setup(Level.Trial)
        public void setUp(BenchmarkParams params) throws TimeoutException {
            queues = params.getThreads();
            device = VirtioFsDevice.builder("bench").requestQueues(queues).maxQueueSize(256).spinIterations(spin)
                    .build(new FuseServer(new MemFs(), FuseServerConfig.defaults()));
            // Slots of 256 bytes each way, packed as a guest's small request objects are: the
            // default 64 KiB slots would put every request on its own pages and cache sets.
            driver = MockDriver.connect(device, new MockDriver.Options(
                    VirtioFeature.VERSION_1.mask() | VirtioFeature.RING_EVENT_IDX.mask(), 256, inFlight,
                    SLOT_BYTES, SLOT_BYTES, false, false, 0, 0, spin, Duration.ofSeconds(30)));
            ByteBuf init = Requests.encode(FuseMessage.of(Opcode.INIT, 1, 0, new InitIn(7, 45, 1 << 20,
                    InitFlags.flags(EnumSet.allOf(io.virtiofs.protocol.InitFlag.class)))), WireFormat.current(order));
            ByteBuf reply = driver.exchange(1, init, SLOT_BYTES);
            if (reply.getInt(4) != 0 && reply.getIntLE(4) != 0) {
                throw new IllegalStateException("FUSE_INIT failed");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            driver.close();
            device.close();
        }
    }

    /**
     * One driver thread: its queue, its request, the requests posted since the last publication,
     * and what the queue's two threads did, reported as rates next to the round trips. Divided by
     * the score they give the kicks, interrupts and publications (batches) per round trip, and the
     * CPU nanoseconds the device's worker thread and the driver's thread spent per round trip. CPU
     * time is the figure that other load on a shared machine disturbs least. Interrupts are counted
     * when the driver starts to wait, so an iteration's last few may be missed.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class QueueDriver {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

        /** Kicks the driver sent. */
        public long kicks;
        /** Used buffer notifications the device sent. */
        public long interrupts;
        /** Times the driver published (once per batch). */
        public long batches;
        /** CPU time of the queue's worker thread (device side), in nanoseconds. */
        public long deviceCpuNanos;
        /** CPU time of the driver's thread, in nanoseconds. */
        public long driverCpuNanos;

        MockDriver driver;
        int queue;
        ByteBuf getattr;
        WireOrder order;
        int posted;
        private long interruptsSeen;
        private long workerThreadId;
        private long workerCpuStart;
        private long driverCpuStart;

        @Setup(Level.Iteration)
        public void setUp(Rig rig) {
            if (driver == null) {
                driver = rig.driver;
                order = rig.order;
                queue = rig.nextQueue.getAndIncrement();
                if (queue > rig.queues) {
                    throw new IllegalStateException("thread for queue " + queue + " of " + rig.queues);
                }
                // A heap request: the driver copies it into guest memory straight from its array.
                getattr = Requests.encode(FuseMessage.of(Opcode.GETATTR, 2, 1, new GetattrIn(0, 0)),
                        WireFormat.current(order));
                String name = "virtiofs-bench-q" + queue;
                workerThreadId = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name))
                        .findFirst().orElseThrow(() -> new IllegalStateException("no thread " + name)).threadId();
            }
            interruptsSeen = driver.queue(queue).interrupts();
            workerCpuStart = THREADS.getThreadCpuTime(workerThreadId);
            driverCpuStart = THREADS.getCurrentThreadCpuTime();
            for (int i = 0; i < rig.inFlight; i++) {
                driver.post(queue, getattr, REPLY_CAPACITY);
            }
            driver.publish(queue);
        }

        @TearDown(Level.Iteration)
        public void drain(Rig rig) throws TimeoutException {
            driver.publish(queue);
            for (int i = 0; i < rig.inFlight; i++) {
                driver.await(queue);
            }
            posted = 0;
            deviceCpuNanos = THREADS.getThreadCpuTime(workerThreadId) - workerCpuStart;
            driverCpuNanos = THREADS.getCurrentThreadCpuTime() - driverCpuStart;
            interrupts = driver.queue(queue).interrupts() - interruptsSeen;
        }
    }

    /** One GETATTR round trip on this thread's queue, {@code inFlight} of them kept posted. */
    @Benchmark
    public int getattrRoundTrip(QueueDriver q) throws TimeoutException {
        MockDriver driver = q.driver;
        long completion = driver.poll(q.queue);
        if (completion < 0) {
            if (q.posted > 0) {
                if (driver.publish(q.queue)) {
                    q.kicks++;
                }
                q.batches++;
                q.posted = 0;
            }
            completion = driver.await(q.queue);
        }
        int token = MockDriver.completionToken(completion);
        int length = MockDriver.completionLength(completion);
        ByteBuf reply = driver.reply(q.queue, token, length);
        int error = q.order == WireOrder.LITTLE_ENDIAN ? reply.getIntLE(4) : reply.getInt(4);
        if (length != OutHeader.SIZE + 104 || error != 0) {
            throw new IllegalStateException("GETATTR reply of " + length + " bytes, error " + error);
        }
        driver.post(q.queue, q.getattr, REPLY_CAPACITY);
        q.posted++;
        return token;
    }
}
