package io.virtiofs.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.FileName;
import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.protocol.InitFlags;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.message.MkdirIn;
import io.virtiofs.protocol.message.MknodIn;
import io.virtiofs.protocol.message.OpenIn;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.protocol.server.Completion;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.testkit.wire.Replies;
import io.virtiofs.testkit.wire.Requests;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One READDIR page (4 KiB, about 128 names of five characters) of a memfs directory of 5,000
 * files, as a guest lists it, through {@link FuseServer} into a direct reply buffer: the server's
 * and memfs's share of a listing. Each invocation lists the page that follows the previous one,
 * wrapping around at the end.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class ListingBenchmark {

    private static final int FILES = 5000;
    private static final int PAGE = 4096;

    private FuseServer server;
    private WireFormat format;
    private ByteBuf request;
    private ByteBuf reply;
    private long dir;
    private long fh;
    private long offset;
    private long unique = 100;

    @Setup(Level.Trial)
    public void setUp() {
        server = new FuseServer(new MemFs(), FuseServerConfig.defaults());
        format = WireFormat.current(WireOrder.LITTLE_ENDIAN);
        reply = Unpooled.directBuffer(2 * PAGE, 2 * PAGE);
        request = Unpooled.directBuffer(256);
        send(FuseMessage.of(Opcode.INIT, 1, 0, new InitIn(7, 45, 1 << 20,
                InitFlags.flags(EnumSet.allOf(io.virtiofs.protocol.InitFlag.class)))));
        send(FuseMessage.of(Opcode.MKDIR, 2, 1, new MkdirIn(0755, 022, FileName.of("d"))));
        dir = Replies.entryOut(body(), format).nodeid();
        for (int i = 0; i < FILES; i++) {
            send(FuseMessage.of(Opcode.MKNOD, 4, dir, new MknodIn(0100644, 0, 022, FileName.of("f" + i))));
        }
        send(FuseMessage.of(Opcode.OPENDIR, 6, dir, new OpenIn(0, 0)));
        fh = Replies.openOut(body(), format).fh();
    }

    private void send(FuseMessage message) {
        ByteBuf encoded = Requests.encode(message, format);
        request.clear().writeBytes(encoded);
        encoded.release();
        reply.clear();
        if (!server.handle(request, reply, Completion.SYNCHRONOUS).isReplied() || reply.getIntLE(4) != 0) {
            throw new IllegalStateException(message + " failed: " + reply.getIntLE(4));
        }
    }

    private ByteBuf body() {
        return reply.duplicate().readerIndex(OutHeader.SIZE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        request.release();
        reply.release();
    }

    /** Returns the page's bytes; continues from the last entry's offset, or from 0 at the end. */
    @Benchmark
    public int readdirPage() {
        send(FuseMessage.of(Opcode.READDIR, unique += 2, dir, new ReadIn(fh, offset, PAGE, 0, 0, 0)));
        int bytes = reply.writerIndex() - OutHeader.SIZE;
        // the last dirent's off field: the offset to continue from
        offset = bytes == 0 ? 0 : lastOffset();
        return bytes;
    }

    private long lastOffset() {
        int at = OutHeader.SIZE;
        long last = 0;
        while (at < reply.writerIndex()) {
            last = reply.getLongLE(at + 8);
            int nameLength = reply.getIntLE(at + 16);
            at += (24 + nameLength + 7) & ~7;
        }
        return last;
    }
}
