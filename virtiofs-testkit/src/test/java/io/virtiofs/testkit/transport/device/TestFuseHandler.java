package io.virtiofs.testkit.transport.device;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Attr;
import io.virtiofs.api.Errno;
import io.virtiofs.protocol.InHeader;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.AttrOut;
import io.virtiofs.protocol.message.InitOut;
import io.virtiofs.protocol.server.Completion;
import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.protocol.server.RequestClass;
import io.virtiofs.protocol.server.Served;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small FUSE server for transport tests: INIT, GETATTR (attributes derived from the node id),
 * FORGET and INTERRUPT without reply, everything else ENOSYS. Tests can hold a request until a
 * gate opens, make one wait for its INTERRUPT, or make one throw.
 */
public final class TestFuseHandler implements FuseRequestHandler {

    /** Which thread handled which request. */
    public record Seen(String thread, int opcode, long unique, long nodeid, int requestBytes) {
    }

    private volatile WireOrder order = WireOrder.LITTLE_ENDIAN;
    private final AtomicInteger sessionsEnded = new AtomicInteger();
    private final Queue<Seen> seen = new ConcurrentLinkedQueue<>();
    private final Map<Long, CountDownLatch> gates = new ConcurrentHashMap<>();
    private final Map<Long, CountDownLatch> interrupted = new ConcurrentHashMap<>();
    private final Map<Long, CountDownLatch> started = new ConcurrentHashMap<>();
    private final Map<Long, Boolean> failing = new ConcurrentHashMap<>();

    /** The attributes GETATTR answers for {@code nodeid}. */
    public static Attr attrOf(long nodeid) {
        return Attr.builder().ino(nodeid).size(nodeid * 10).blocks(nodeid).mode(0100644).nlink(1).uid(1000).gid(1000)
                .blksize(4096).mtime(1_700_000_000L + nodeid, 123).build();
    }

    /** The request with {@code unique} waits until the returned latch is counted down. */
    public CountDownLatch gate(long unique) {
        return gates.computeIfAbsent(unique, u -> new CountDownLatch(1));
    }

    /** The request with {@code unique} waits for a FUSE_INTERRUPT naming it, then answers EINTR. */
    public void waitForInterrupt(long unique) {
        interrupted.computeIfAbsent(unique, u -> new CountDownLatch(1));
    }

    /** Counted down when the request with {@code unique} starts being handled. */
    public CountDownLatch started(long unique) {
        return started.computeIfAbsent(unique, u -> new CountDownLatch(1));
    }

    /** The request with {@code unique} makes the handler throw. */
    public void fail(long unique) {
        failing.put(unique, true);
    }

    public int sessionsEnded() {
        return sessionsEnded.get();
    }

    public Queue<Seen> seen() {
        return seen;
    }

    @Override
    public void sessionEnded() {
        sessionsEnded.incrementAndGet();
        order = WireOrder.LITTLE_ENDIAN;
    }

    @Override
    public Served handle(ByteBuf request, ByteBuf reply, Completion completion) {
        WireOrder.detect(request, request.readerIndex() + InHeader.OPCODE_OFFSET, Opcode.INIT.code())
                .ifPresent(detected -> order = detected);
        WireOrder session = order;
        int requestBytes = request.readableBytes();
        InHeader header = InHeader.decode(request, session);
        seen.add(new Seen(Thread.currentThread().getName(), header.opcode(), header.unique(), header.nodeid(), requestBytes));
        started(header.unique()).countDown();
        if (failing.containsKey(header.unique())) {
            throw new IllegalStateException("test failure for unique " + header.unique());
        }
        CountDownLatch gate = gates.get(header.unique());
        if (gate != null) {
            await(gate);
        }
        CountDownLatch interrupt = interrupted.get(header.unique());
        if (interrupt != null) {
            await(interrupt);
            return error(reply, session, header.unique(), Errno.EINTR);
        }
        Opcode opcode = Opcode.of(header.opcode()).orElse(Opcode.NOTIFY_REPLY);
        WireFormat format = WireFormat.current(session);
        switch (opcode) {
            case INIT -> {
                InitOut out = new InitOut(7, 45, 131072, 0, 16, 12, 131072, 1, 32, 0, 0, 0);
                return reply(reply, session, header.unique(), InitOut.SIZE, buf -> out.encode(buf, format));
            }
            case GETATTR -> {
                AttrOut out = new AttrOut(1, 500, attrOf(header.nodeid()));
                return reply(reply, session, header.unique(), AttrOut.SIZE, buf -> out.encode(buf, format));
            }
            case FORGET, BATCH_FORGET -> {
                return Served.noReply();
            }
            case INTERRUPT -> {
                long target = session.readLong(request);
                CountDownLatch latch = interrupted.get(target);
                if (latch != null) {
                    latch.countDown();
                }
                return Served.noReply();
            }
            default -> {
                return error(reply, session, header.unique(), Errno.ENOSYS);
            }
        }
    }

    /** FORGET, BATCH_FORGET and INTERRUPT are high priority, read in the session's byte order. */
    @Override
    public RequestClass classify(ByteBuf request) {
        if (request.readableBytes() < InHeader.SIZE) {
            return RequestClass.NORMAL;
        }
        return Opcode.of(order.getInt(request, request.readerIndex() + InHeader.OPCODE_OFFSET))
                .filter(Opcode::highPriority).map(o -> RequestClass.HIGH_PRIORITY).orElse(RequestClass.NORMAL);
    }

    @Override
    public Served answerFailure(ByteBuf request, ByteBuf reply, Errno errno) {
        WireOrder session = order;
        if (request.readableBytes() < InHeader.SIZE) {
            return error(reply, session, 0, errno);
        }
        int start = request.readerIndex();
        boolean replies = Opcode.of(session.getInt(request, start + InHeader.OPCODE_OFFSET)).map(Opcode::replies)
                .orElse(true);
        return replies ? error(reply, session, session.getLong(request, start + InHeader.UNIQUE_OFFSET), errno)
                : Served.noReply();
    }

    private static Served reply(ByteBuf reply, WireOrder order, long unique, int bodySize,
                                 java.util.function.Consumer<ByteBuf> body) {
        int length = OutHeader.SIZE + bodySize;
        if (reply.maxWritableBytes() < length) {
            return Served.noRoom();
        }
        OutHeader.encode(reply, order, length, 0, unique);
        body.accept(reply);
        return Served.replied();
    }

    private static Served error(ByteBuf reply, WireOrder order, long unique, Errno errno) {
        if (reply.maxWritableBytes() < OutHeader.SIZE) {
            return Served.noRoom();
        }
        OutHeader.encode(reply, order, OutHeader.SIZE, -errno.code(), unique);
        return Served.replied();
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test gate never opened");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted at a test gate", e);
        }
    }
}
