package io.virtiofs.transport.fuse;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Attr;
import io.virtiofs.api.Errno;
import io.virtiofs.protocol.InHeader;
import io.virtiofs.protocol.InitFlag;
import io.virtiofs.protocol.InitFlags;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.ProtocolVersion;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.AttrOut;
import io.virtiofs.protocol.message.EntryOut;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.message.InitOut;
import io.virtiofs.protocol.server.Completion;
import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.protocol.server.Negotiation;
import io.virtiofs.protocol.server.Served;
import io.virtiofs.protocol.server.SessionEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Just enough FUSE to mount a directory: INIT, GETATTR of the root, LOOKUP (ENOENT but for one
 * file), OPENDIR/READDIR/RELEASEDIR listing one name, OPEN/WRITE/RELEASE of that file in direct
 * I/O mode, ENOSYS for the rest. Stands in for the server in the transport's tests; it can hold
 * requests at barriers and latches, and misbehave on request.
 */
final class MinimalFuseHandler implements FuseRequestHandler {

    /** /dev/fuse speaks the host's byte order. */
    static final WireOrder ORDER = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN
            ? WireOrder.LITTLE_ENDIAN : WireOrder.BIG_ENDIAN;
    static final long ROOT_MTIME = 1_700_000_000L;
    static final int ROOT_MODE = 040755;
    static final String LISTED_NAME = "hello";
    static final long LISTED_INO = 2;
    /** A LOOKUP of this name waits at {@link #slowLookupEntered} / {@link #slowLookupRelease}. */
    static final String SLOW_NAME = "slow";
    /** A LOOKUP of this name makes the handler throw. */
    static final String EXPLODING_NAME = "explode";
    /** A LOOKUP of this name makes the handler throw an Error, which kills its worker. */
    static final String FATAL_NAME = "fatal";
    /** A LOOKUP of this name answers {@link Served#noRoom()}. */
    static final String TOO_LARGE_NAME = "huge";
    /** The one file: LOOKUP finds it, OPEN opens it for direct I/O, WRITE stores into {@link #written}. */
    static final String FILE_NAME = "data";
    static final long FILE_ID = 2;
    static final int FILE_CAPACITY = 2 << 20;
    /** {@code FOPEN_DIRECT_IO}: bypass the page cache, so each write(2) becomes WRITE requests. */
    private static final int FOPEN_DIRECT_IO = 1;
    private static final int WRITE_IN_SIZE = 40;

    private static final long WANTED = InitFlag.BIG_WRITES.bit() | InitFlag.MAX_PAGES.bit()
            | InitFlag.PARALLEL_DIROPS.bit() | InitFlag.ASYNC_READ.bit();

    static final Attr ROOT = Attr.builder().ino(1).size(4096).blocks(8)
            .atime(ROOT_MTIME, 1).mtime(ROOT_MTIME, 2).ctime(ROOT_MTIME, 3)
            .mode(ROOT_MODE).nlink(2).uid(0).gid(0).blksize(4096).build();
    static final Attr FILE = Attr.builder().ino(FILE_ID).size(FILE_CAPACITY).mode(0100644).nlink(1).blksize(4096).build();

    private final int maxWrite;
    private final long wanted;
    private volatile WireFormat format = WireFormat.current(ORDER);
    volatile @Nullable InitIn initRequest;
    volatile @Nullable InitOut initReply;
    /** When set, each GETATTR waits here, proving that many requests are served at once. */
    volatile @Nullable CyclicBarrier getattrBarrier;
    final Set<String> getattrThreadsAtBarrier = ConcurrentHashMap.newKeySet();
    final CountDownLatch slowLookupEntered = new CountDownLatch(1);
    final CountDownLatch slowLookupRelease = new CountDownLatch(1);
    final AtomicInteger sessionEndedCalls = new AtomicInteger();
    final Set<String> threads = ConcurrentHashMap.newKeySet();
    /** The sizes of the WRITE requests, in arrival order. */
    final List<Integer> writeSizes = new java.util.concurrent.CopyOnWriteArrayList<>();
    final byte[] written = new byte[FILE_CAPACITY];

    MinimalFuseHandler(int maxWrite) {
        this(maxWrite, Set.of());
    }

    /** A handler that also accepts {@code extra} in INIT when the kernel offers them. */
    MinimalFuseHandler(int maxWrite, Set<InitFlag> extra) {
        this.maxWrite = maxWrite;
        this.wanted = WANTED | extra.stream().mapToLong(InitFlag::bit).reduce(0, (a, b) -> a | b);
    }

    @Override
    public Served handle(ByteBuf request, ByteBuf reply, Completion completion) {
        threads.add(Thread.currentThread().getName());
        int start = request.readerIndex();
        InHeader header = InHeader.decode(request, ORDER);
        ByteBuf body = request.slice(start + InHeader.SIZE, header.len() - InHeader.SIZE);
        Opcode opcode = Opcode.of(header.opcode()).orElse(null);
        if (opcode == null) {
            return error(reply, header, Errno.ENOSYS);
        }
        return switch (opcode) {
            case INIT -> init(body, reply, header);
            case GETATTR -> getattr(reply, header);
            case LOOKUP -> lookup(body, reply, header);
            case OPENDIR -> empty(reply, header, 16); // fuse_open_out, all zero
            case READDIR -> readdir(body, reply, header);
            case OPEN -> open(reply, header);
            case WRITE -> write(body, reply, header);
            case RELEASEDIR, RELEASE, DESTROY -> empty(reply, header, 0);
            case FORGET, BATCH_FORGET, INTERRUPT, NOTIFY_REPLY -> Served.noReply();
            default -> error(reply, header, Errno.ENOSYS);
        };
    }

    @Override
    public Served answerFailure(ByteBuf request, ByteBuf reply, Errno errno) {
        int start = request.readerIndex();
        boolean replies = Opcode.of(ORDER.getInt(request, start + InHeader.OPCODE_OFFSET)).map(Opcode::replies)
                .orElse(true);
        if (!replies) {
            return Served.noReply();
        }
        OutHeader.encode(reply, ORDER, OutHeader.SIZE, -errno.code(), ORDER.getLong(request, start + InHeader.UNIQUE_OFFSET));
        return Served.replied();
    }

    @Override
    public void sessionEnded() {
        sessionEndedCalls.incrementAndGet();
    }

    private Served init(ByteBuf body, ByteBuf reply, InHeader header) {
        InitIn in = InitIn.decode(body, WireFormat.forInit(ORDER));
        initRequest = in;
        int minor = Math.min(in.minor(), ProtocolVersion.MAX_MINOR);
        InitOut out = new InitOut(ProtocolVersion.MAJOR, minor, in.maxReadahead(), in.flags() & wanted, 16, 12,
                maxWrite, 1, maxWrite / 4096, 0, 0, 0);
        format = new WireFormat(ORDER, minor, false);
        initReply = out;
        OutHeader.encode(reply, ORDER, OutHeader.SIZE + out.encodedSize(format), 0, header.unique());
        out.encode(reply, format);
        return Served.replied(new SessionEvent.Initialized(new Negotiation(
                new ProtocolVersion(in.major(), in.minor()), new ProtocolVersion(ProtocolVersion.MAJOR, minor),
                InitFlags.set(in.flags()), InitFlags.set(out.flags()), java.util.Map.of(), 0, maxWrite, maxWrite / 4096,
                in.maxReadahead(), 1, 16, 12, 0)));
    }

    private Served getattr(ByteBuf reply, InHeader header) {
        if (header.nodeid() == FILE_ID) {
            AttrOut out = new AttrOut(0, 0, FILE);
            OutHeader.encode(reply, ORDER, OutHeader.SIZE + out.encodedSize(format), 0, header.unique());
            out.encode(reply, format);
            return Served.replied();
        }
        if (header.nodeid() != 1) {
            return error(reply, header, Errno.ENOENT);
        }
        CyclicBarrier barrier = getattrBarrier;
        if (barrier != null) {
            getattrThreadsAtBarrier.add(Thread.currentThread().getName());
            try {
                barrier.await(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                return error(reply, header, Errno.EIO);
            }
        }
        AttrOut out = new AttrOut(0, 0, ROOT);
        OutHeader.encode(reply, ORDER, OutHeader.SIZE + out.encodedSize(format), 0, header.unique());
        out.encode(reply, format);
        return Served.replied();
    }

    private Served lookup(ByteBuf body, ByteBuf reply, InHeader header) {
        int nul = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) 0);
        String name = body.toString(body.readerIndex(), Math.max(0, nul - body.readerIndex()), StandardCharsets.UTF_8);
        if (name.equals(FILE_NAME)) {
            EntryOut out = new EntryOut(FILE_ID, 0, 0, 0, 0, 0, FILE);
            OutHeader.encode(reply, ORDER, OutHeader.SIZE + out.encodedSize(format), 0, header.unique());
            out.encode(reply, format);
            return Served.replied();
        }
        if (name.equals(EXPLODING_NAME)) {
            throw new IllegalStateException("a handler bug, on purpose");
        }
        if (name.equals(FATAL_NAME)) {
            throw new AssertionError("a fatal handler bug, on purpose");
        }
        if (name.equals(TOO_LARGE_NAME)) {
            return Served.noRoom();
        }
        if (name.equals(SLOW_NAME)) {
            slowLookupEntered.countDown();
            try {
                slowLookupRelease.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return error(reply, header, Errno.ENOENT);
    }

    private static Served open(ByteBuf reply, InHeader header) {
        if (header.nodeid() != FILE_ID) {
            return error(reply, header, Errno.EISDIR);
        }
        OutHeader.encode(reply, ORDER, OutHeader.SIZE + 16, 0, header.unique());
        ORDER.writeLong(reply, 42); // fh
        ORDER.writeInt(reply, FOPEN_DIRECT_IO);
        ORDER.writeInt(reply, 0); // backing_id
        return Served.replied();
    }

    private Served write(ByteBuf body, ByteBuf reply, InHeader header) {
        int at = body.readerIndex();
        long offset = ORDER.getLong(body, at + 8);
        int size = ORDER.getInt(body, at + 16);
        if (header.nodeid() != FILE_ID || offset < 0 || offset + size > FILE_CAPACITY
                || body.readableBytes() < WRITE_IN_SIZE + size) {
            return error(reply, header, Errno.EINVAL);
        }
        body.getBytes(at + WRITE_IN_SIZE, written, (int) offset, size);
        writeSizes.add(size);
        OutHeader.encode(reply, ORDER, OutHeader.SIZE + 8, 0, header.unique());
        ORDER.writeInt(reply, size);
        ORDER.writeInt(reply, 0);
        return Served.replied();
    }

    private Served readdir(ByteBuf body, ByteBuf reply, InHeader header) {
        long offset = ORDER.getLong(body, body.readerIndex() + 8);
        if (offset != 0) {
            return empty(reply, header, 0);
        }
        byte[] name = LISTED_NAME.getBytes(StandardCharsets.UTF_8);
        int direntLength = 24 + name.length;
        int padded = (direntLength + 7) & ~7;
        OutHeader.encode(reply, ORDER, OutHeader.SIZE + padded, 0, header.unique());
        ORDER.writeLong(reply, LISTED_INO);
        ORDER.writeLong(reply, 1); // offset of the next entry
        ORDER.writeInt(reply, name.length);
        ORDER.writeInt(reply, 8); // DT_REG
        reply.writeBytes(name);
        reply.writeZero(padded - direntLength);
        return Served.replied();
    }

    private static Served empty(ByteBuf reply, InHeader header, int zeroBytes) {
        OutHeader.encode(reply, ORDER, OutHeader.SIZE + zeroBytes, 0, header.unique());
        reply.writeZero(zeroBytes);
        return Served.replied();
    }

    private static Served error(ByteBuf reply, InHeader header, Errno errno) {
        OutHeader.encode(reply, ORDER, OutHeader.SIZE, -errno.code(), header.unique());
        return Served.replied();
    }

    /** The names of every thread that handled a request. */
    List<String> threadNames() {
        return threads.stream().sorted().toList();
    }
}
