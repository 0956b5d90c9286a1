package io.virtiofs.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Attr;
import io.virtiofs.api.AttrReply;
import io.virtiofs.api.Context;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.ReadRequest;
import io.virtiofs.api.WriteRequest;
import io.virtiofs.protocol.InitFlags;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.message.NameIn;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.protocol.message.WriteIn;
import io.virtiofs.protocol.server.Completion;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.protocol.server.Served;
import io.virtiofs.testkit.wire.Requests;
import java.time.Duration;
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
 * The protocol layer alone: decode + dispatch + encode of one request by {@link FuseServer}, with
 * a file system that answers from memory at once. Requests are encoded once; each invocation
 * rewinds them and serves them into a reused direct reply buffer. Run with {@code -prof gc} to see
 * the allocation per request.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class ServerRoundTripBenchmark {

    @Param({"LITTLE_ENDIAN", "BIG_ENDIAN"})
    public WireOrder order;

    private FuseServer server;
    private ByteBuf lookup;
    private ByteBuf getattr;
    private ByteBuf read4k;
    private ByteBuf write128k;
    private ByteBuf reply;

    /** Answers from constants: what is measured is the server, not a file system. */
    static final class ConstantFileSystem implements FileSystem {
        private static final Duration VALID = Duration.ofSeconds(1);
        private static final Attr FILE = Attr.builder().ino(2).size(1 << 20).blocks(2048).mode(0100644).nlink(1)
                .uid(1000).gid(1000).blksize(4096).atime(1_700_000_000L, 0).mtime(1_700_000_000L, 0)
                .ctime(1_700_000_000L, 0).build();
        private static final AttrReply ATTR = new AttrReply(FILE, VALID);
        private static final Entry ENTRY = new Entry(2, 0, FILE, VALID, VALID);
        private static final FileName NAME = FileName.of("file");
        private final byte[] data = new byte[1 << 20];

        @Override
        public Entry lookup(Context ctx, long parent, FileName name) {
            if (!name.equals(NAME)) {
                throw new ErrnoException(Errno.ENOENT);
            }
            return ENTRY;
        }

        @Override
        public AttrReply getattr(Context ctx, long nodeid) {
            return ATTR;
        }

        @Override
        public void read(Context ctx, ReadRequest request, ByteBuf dst) {
            int length = (int) Math.min(request.size(), data.length - Math.min(request.offset(), data.length));
            dst.writeBytes(data, (int) request.offset(), length);
        }

        @Override
        public int write(Context ctx, WriteRequest request, ByteBuf data) {
            int length = data.readableBytes();
            data.getBytes(data.readerIndex(), this.data, (int) request.offset(), length);
            return length;
        }

        @Override
        public void forget(long nodeid, long nlookup) {
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        server = new FuseServer(new ConstantFileSystem(), FuseServerConfig.defaults());
        WireFormat format = WireFormat.current(order);
        reply = Unpooled.directBuffer(2 << 20, 2 << 20);
        ByteBuf init = Requests.encode(FuseMessage.of(Opcode.INIT, 1, 0, new InitIn(7, 45, 1 << 20,
                InitFlags.flags(EnumSet.allOf(io.virtiofs.protocol.InitFlag.class)))), format);
        server.handle(init, reply, Completion.SYNCHRONOUS);
        init.release();
        lookup = direct(Requests.encode(FuseMessage.of(Opcode.LOOKUP, 2, 1, new NameIn(FileName.of("file"))), format));
        getattr = direct(Requests.encode(FuseMessage.of(Opcode.GETATTR, 4, 2, new GetattrIn(0, 0)), format));
        read4k = direct(Requests.encode(FuseMessage.of(Opcode.READ, 6, 2, new ReadIn(1, 8192, 4096, 0, 0, 0)), format));
        byte[] payload = new byte[128 * 1024];
        write128k = direct(Requests.encode(FuseMessage.of(Opcode.WRITE, 8, 2, new WriteIn(1, 0, payload.length, 0, 0,
                0, Unpooled.wrappedBuffer(payload))), format));
    }

    private static ByteBuf direct(ByteBuf heap) {
        ByteBuf direct = Unpooled.directBuffer(heap.readableBytes());
        direct.writeBytes(heap);
        heap.release();
        return direct;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (ByteBuf buf : new ByteBuf[] {lookup, getattr, read4k, write128k, reply}) {
            buf.release();
        }
    }

    private int serve(ByteBuf request) {
        request.readerIndex(0);
        reply.clear();
        Served served = server.handle(request, reply, Completion.SYNCHRONOUS);
        if (!served.isReplied()) {
            throw new IllegalStateException("unexpected " + served);
        }
        return reply.writerIndex();
    }

    @Benchmark
    public int lookup() {
        return serve(lookup);
    }

    @Benchmark
    public int getattr() {
        return serve(getattr);
    }

    @Benchmark
    public int read4k() {
        return serve(read4k);
    }

    @Benchmark
    public int write128k() {
        return serve(write128k);
    }
}
