package io.virtiofs.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.protocol.InitFlags;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.server.Completion;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.testkit.mock.DriverMemory;
import io.virtiofs.testkit.mock.DriverQueue;
import io.virtiofs.testkit.wire.Requests;
import io.virtiofs.transport.memory.GuestMemory;
import io.virtiofs.transport.virtqueue.DescriptorChain;
import io.virtiofs.transport.virtqueue.QueueFaultException;
import io.virtiofs.transport.virtqueue.RingFeatures;
import io.virtiofs.transport.virtqueue.SplitQueue;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The work of one request on both sides of a split virtqueue, in one thread and without the
 * device's worker: the driver side ({@link DriverQueue}) adds a batch of GETATTR chains and
 * publishes them; the device side ({@link SplitQueue}) pops and validates each chain, serves it
 * with {@link FuseServer} over memfs straight into guest memory, adds it to the used ring and
 * decides on the notification as the worker does; the driver reaps and checks every reply. Each
 * side goes idle once per batch (re-arms its notifications, with the fence that takes), as the
 * two threads of {@link DeviceRoundTripBenchmark} do when they do not poll.
 *
 * <p>This is the CPU cost of a round trip with no thread hand-off and no cache line moving
 * between cores: the baseline for {@link DeviceRoundTripBenchmark}, whose difference from it is
 * what the two threads cost. Scores are requests per second; {@code -prof gc} gives bytes per
 * request.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class DeviceQueueBenchmark {

    private static final int QUEUE_SIZE = 256;
    private static final int MAX_BATCH = 128;
    private static final int REQUEST_BYTES = 64;
    private static final int REPLY_BYTES = 256;

    @Param({"LITTLE_ENDIAN", "BIG_ENDIAN"})
    public WireOrder order;

    /**
     * Which descriptor heads carry which buffers. SAME_HEAD: every request buffer comes back under
     * the head it had before (as with {@code MockDriver}, whose slots follow their heads), so the
     * device finds its views of them ready. ANY_HEAD: a buffer lands under another head each time
     * (in a batch of one it cannot), as with a driver that allocates request memory freely.
     */
    @Param({"SAME_HEAD", "ANY_HEAD"})
    public String buffers;

    private DriverMemory memory;
    private GuestMemory snapshot;
    private DriverQueue driver;
    private SplitQueue device;
    private FuseServer server;
    private final long[] requestAddresses = new long[MAX_BATCH];
    private final long[] replyAddresses = new long[MAX_BATCH];
    private MemorySegment replies;
    private int requestLength;
    private boolean backwards;

    @Setup(Level.Trial)
    public void setUp() throws QueueFaultException {
        RingFeatures features = new RingFeatures(false, true);
        memory = DriverMemory.create(0x1_0000_0000L, 1 << 20);
        driver = new DriverQueue(memory, QUEUE_SIZE, features, 0, 0);
        device = new SplitQueue(1, driver.layout(), features, 0, 0);
        snapshot = memory.snapshot();
        device.bind(snapshot);
        server = new FuseServer(new MemFs(), FuseServerConfig.defaults());
        WireFormat format = WireFormat.current(order);
        ByteBuf init = Requests.encode(FuseMessage.of(Opcode.INIT, 1, 0, new InitIn(7, 45, 1 << 20,
                InitFlags.flags(EnumSet.allOf(io.virtiofs.protocol.InitFlag.class)))), format);
        ByteBuf initReply = Unpooled.buffer(4096, 4096);
        if (!server.handle(init, initReply, Completion.SYNCHRONOUS).isReplied()) {
            throw new IllegalStateException("FUSE_INIT was not answered");
        }
        ByteBuf getattr = Requests.encode(FuseMessage.of(Opcode.GETATTR, 2, 1, new GetattrIn(0, 0)), format);
        requestLength = getattr.readableBytes();
        byte[] request = new byte[requestLength];
        getattr.getBytes(0, request);
        long replyBase = memory.allocate((long) MAX_BATCH * REPLY_BYTES, 64);
        replies = memory.segment(replyBase, (long) MAX_BATCH * REPLY_BYTES);
        for (int i = 0; i < MAX_BATCH; i++) {
            requestAddresses[i] = memory.allocate(REQUEST_BYTES, 64);
            MemorySegment.copy(request, 0, memory.segment(requestAddresses[i], REQUEST_BYTES), ValueLayout.JAVA_BYTE,
                    0, requestLength);
            replyAddresses[i] = replyBase + (long) i * REPLY_BYTES;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        snapshot.release();
        memory.close();
    }

    private int roundTrips(int batch) throws QueueFaultException {
        // The driver's free list is a stack: posting in the reverse of the last completion order
        // gives each buffer its previous head again.
        boolean reverse = backwards && buffers.equals("SAME_HEAD");
        backwards = !backwards;
        for (int n = 0; n < batch; n++) {
            int i = reverse ? batch - 1 - n : n;
            driver.chain().readable(requestAddresses[i], requestLength).writable(replyAddresses[i], REPLY_BYTES).add();
        }
        driver.publish();
        driver.kickIfNeededAfterFence();
        int available = device.availableChains();
        int notifications = 0;
        for (int i = 0; i < available; i++) {
            DescriptorChain chain = device.popChain();
            ByteBuf reply = chain.writable();
            if (!server.handle(chain.readable(), reply, Completion.SYNCHRONOUS).isReplied()) {
                throw new IllegalStateException("GETATTR was not answered");
            }
            device.addUsed(chain, reply.writerIndex());
            if (device.needsNotificationAfterFence()) {
                notifications++;
            }
        }
        if (device.enableNotificationsAfterFence()) {
            throw new IllegalStateException("chains left over");
        }
        driver.enableInterruptsAfterFence();
        // Chains complete in the order they were posted.
        for (int n = 0; n < batch; n++) {
            int i = reverse ? batch - 1 - n : n;
            long element = driver.reapUsed();
            if (element < 0) {
                throw new IllegalStateException("reply " + i + " of " + batch + " missing");
            }
            int length = DriverQueue.usedLength(element);
            int error = replies.get(ValueLayout.JAVA_INT_UNALIGNED, (long) i * REPLY_BYTES + 4);
            if (length != OutHeader.SIZE + 104 || error != 0) {
                throw new IllegalStateException("reply " + i + " of " + length + " bytes, error " + error);
            }
        }
        return notifications;
    }

    /** One request at a time: post, publish, serve, reap. */
    @Benchmark
    public int getattrBatchOf1() throws QueueFaultException {
        return roundTrips(1);
    }

    /** Sixteen requests per publication. */
    @Benchmark
    @OperationsPerInvocation(16)
    public int getattrBatchOf16() throws QueueFaultException {
        return roundTrips(16);
    }

    /** 128 requests per publication. */
    @Benchmark
    @OperationsPerInvocation(MAX_BATCH)
    public int getattrBatchOf128() throws QueueFaultException {
        return roundTrips(MAX_BATCH);
    }
}
