package io.virtiofs.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.FileName;
import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.examples.memfs.MemFsConfig;
import io.virtiofs.protocol.InitFlag;
import io.virtiofs.protocol.InitFlags;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.EntryOut;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.message.MknodIn;
import io.virtiofs.protocol.message.OpenIn;
import io.virtiofs.protocol.message.OpenOut;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.protocol.message.WriteIn;
import io.virtiofs.protocol.server.Completion;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.testkit.wire.Requests;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
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

/**
 * 4 KiB READ requests at random offsets of a 512 MiB memfs file, served by {@link FuseServer}
 * into a direct reply buffer (decode, memfs's read, encode), side by side with the floor: a copy
 * of 4 KiB from a random offset of 512 MiB of native memory into the same buffer, which is all
 * the bare C server of {@code mount-bench.sh} does per read. The difference is what memfs and the
 * server add to the 4 KiB random-read row of a mount. {@code -p windowMiB=1,512} compares reads
 * that stay in the CPU's caches with reads over the whole file; {@code -t 2} has two threads read
 * the one file at once, as the two ring threads of a mount do.
 *
 * <p>On a machine other jobs load, wall-clock scores say little; {@link #main} runs both the
 * same way and prints each thread's CPU time per request instead.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-XX:MaxDirectMemorySize=2g"})
public class RandomReadBenchmark {

    static final long FILE_SIZE = 512L << 20;
    static final int BLOCK = 4096;
    private static final int WRITE = 1 << 20;

    /** The memfs with its one file, and the same amount of plain native memory. */
    @State(Scope.Benchmark)
    public static class Shared {
        FuseServer server;
        WireFormat format;
        long nodeid;
        long fh;
        Arena arena;
        MemorySegment plain;

        @Setup(Level.Trial)
        public void setUp() {
            server = new FuseServer(new MemFs(MemFsConfig.builder().capacityBytes(1L << 30).build()),
                    FuseServerConfig.defaults());
            format = WireFormat.current(WireOrder.LITTLE_ENDIAN);
            ByteBuf reply = Unpooled.directBuffer(WRITE + BLOCK);
            send(reply, FuseMessage.of(Opcode.INIT, 1, 0, new InitIn(7, 45, 1 << 20,
                    InitFlags.flags(EnumSet.allOf(InitFlag.class)))));
            send(reply, FuseMessage.of(Opcode.MKNOD, 2, 1, new MknodIn(0100644, 0, 022, FileName.of("f"))));
            nodeid = EntryOut.decode(reply.duplicate().readerIndex(OutHeader.SIZE), format).nodeid();
            send(reply, FuseMessage.of(Opcode.OPEN, 4, nodeid, new OpenIn(2, 0)));
            fh = OpenOut.decode(reply.duplicate().readerIndex(OutHeader.SIZE), format).fh();
            ByteBuf data = Unpooled.directBuffer(WRITE);
            for (long at = 0; at < FILE_SIZE; at += WRITE) {
                data.clear();
                for (int i = 0; i < WRITE; i += 8) {
                    data.writeLongLE((at + i) * 0x9E3779B97F4A7C15L);
                }
                send(reply, FuseMessage.of(Opcode.WRITE, 6, nodeid, new WriteIn(fh, at, WRITE, 0, 0, 0, data)));
            }
            data.release();
            reply.release();
            arena = Arena.ofShared();
            plain = arena.allocate(FILE_SIZE, BLOCK);
            for (long at = 0; at < FILE_SIZE; at += 8) {
                plain.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, at, at * 0x9E3779B97F4A7C15L);
            }
        }

        private void send(ByteBuf reply, FuseMessage message) {
            ByteBuf encoded = Requests.encode(message, format);
            reply.clear();
            if (!server.handle(encoded, reply, Completion.SYNCHRONOUS).isReplied() || reply.getIntLE(4) != 0) {
                throw new IllegalStateException(message + " failed: " + reply.getIntLE(4));
            }
            encoded.release();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    /** One thread's READ request (its offset rewritten each time), reply buffer and random offsets. */
    @State(Scope.Thread)
    public static class PerThread {
        ByteBuf request;
        ByteBuf reply;
        MemorySegment replyMemory;
        long seed = System.nanoTime() | 1;
        /**
         * The offsets are drawn from the first this many MiB of the file: 512 reads all of it (its
         * chunks and their bookkeeping mostly out of the CPU's caches), 1 stays in them.
         */
        @Param({"512"})
        public int windowMiB;
        long window;

        @Setup(Level.Trial)
        public void setUp(Shared shared) {
            window = Math.min((long) windowMiB << 20, FILE_SIZE);
            request = Requests.encode(FuseMessage.of(Opcode.READ, 8, shared.nodeid, new ReadIn(shared.fh, 0, BLOCK, 0, 0, 0)),
                    shared.format);
            reply = Unpooled.directBuffer(2 * BLOCK, 2 * BLOCK);
            replyMemory = MemorySegment.ofBuffer(reply.nioBuffer(0, reply.capacity()));
        }

        long nextOffset() {
            seed ^= seed << 13;
            seed ^= seed >>> 7;
            seed ^= seed << 17;
            return (seed >>> 1) % (window / BLOCK) * BLOCK;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            request.release();
            reply.release();
        }
    }

    /** A READ through the server and memfs: the bytes of the reply. */
    @Benchmark
    public int memfsRead(Shared shared, PerThread thread) {
        thread.request.setLongLE(48, thread.nextOffset()); // fuse_read_in.offset, after the 40-byte header
        thread.reply.clear();
        shared.server.handle(thread.request.readerIndex(0), thread.reply, Completion.SYNCHRONOUS);
        return thread.reply.writerIndex();
    }

    /**
     * {@code RandomReadBenchmark [THREADS [WINDOW_MIB [REQUESTS]]]}: copyOnly and memfsRead in
     * turns, three times each, on THREADS threads (default 1) over the first WINDOW_MIB MiB
     * (default 512), REQUESTS per thread (default 1,000,000) after as many to warm up; prints each
     * thread's CPU time per request (ThreadMXBean), which other jobs' load changes far less than
     * elapsed time.
     */
    public static void main(String[] args) throws InterruptedException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        int windowMiB = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        long requests = args.length > 2 ? Long.parseLong(args[2]) : 1_000_000;
        Shared shared = new Shared();
        shared.setUp();
        RandomReadBenchmark benchmark = new RandomReadBenchmark();
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int round = 0; round < 3; round++) {
            for (boolean memfs : new boolean[] {false, true}) {
                long[] nanos = new long[threads];
                Thread[] running = new Thread[threads];
                for (int t = 0; t < threads; t++) {
                    int index = t;
                    running[t] = Thread.ofPlatform().start(() -> {
                        PerThread own = new PerThread();
                        own.windowMiB = windowMiB;
                        own.setUp(shared);
                        for (int pass = 0; pass < 2; pass++) {
                            long start = cpu.getCurrentThreadCpuTime();
                            for (long i = 0; i < requests; i++) {
                                if (memfs) {
                                    benchmark.memfsRead(shared, own);
                                } else {
                                    benchmark.copyOnly(shared, own);
                                }
                            }
                            nanos[index] = cpu.getCurrentThreadCpuTime() - start;
                        }
                        own.tearDown();
                    });
                }
                StringBuilder line = new StringBuilder(memfs ? "memfsRead" : "copyOnly ");
                for (int t = 0; t < threads; t++) {
                    running[t].join();
                    line.append(String.format(" %6.0f", nanos[t] / (double) requests));
                }
                System.out.println(line.append(" ns of CPU per request, window ").append(windowMiB).append(" MiB"));
            }
        }
        shared.tearDown();
    }

    /** The floor: one 4 KiB copy from a random offset of plain native memory. */
    @Benchmark
    public long copyOnly(Shared shared, PerThread thread) {
        long offset = thread.nextOffset();
        MemorySegment.copy(shared.plain, offset, thread.replyMemory, OutHeader.SIZE, BLOCK);
        return offset;
    }
}
