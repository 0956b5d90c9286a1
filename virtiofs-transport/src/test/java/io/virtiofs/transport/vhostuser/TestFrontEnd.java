package io.virtiofs.transport.vhostuser;

import io.virtiofs.transport.internal.nativeio.EventFdCalls;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.PollSet;
import io.virtiofs.transport.internal.nativeio.SocketCalls;
import io.virtiofs.transport.vhostuser.BackEndReply.U64Reply;
import io.virtiofs.transport.vhostuser.BackEndReply.VringBaseReply;
import io.virtiofs.transport.vhostuser.FrontEndMessage.AddMemReg;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetMaxMemSlots;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetProtocolFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetQueueNum;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetStatus;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetVringBase;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetMemTable;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetOwner;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetProtocolFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetStatus;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringAddr;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringBase;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringCall;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringEnable;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringKick;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringNum;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeoutException;

/**
 * A vhost-user front-end in Java, for tests: connects to a back-end's socket, performs the
 * handshake QEMU 7.2 performs for {@code vhost-user-fs-pci}, lays out rings in a memfd-backed
 * {@link GuestRam}, and exchanges FUSE requests through them with eventfd kicks and calls.
 */
final class TestFrontEnd implements AutoCloseable {

    /** The virtio features a Linux virtio-fs driver accepts from this device. */
    static final long DRIVER_FEATURES = (1L << 32) | (1L << 28) | (1L << 29);
    static final long BUFFER_BYTES = 64 * 1024;
    private static final int TIMEOUT_MILLIS = 10_000;

    final MessageChannel channel;
    final GuestRam ram;
    private TestVring[] rings = new TestVring[0];
    private int[] kicks = new int[0];
    private int[] calls = new int[0];
    private long[] requestBuffers = new long[0];
    private long[] replyBuffers = new long[0];
    private final Arena arena = Arena.ofConfined();
    /** Lays out ring {@code i} of the given size at the handshake; contiguous rings by default. */
    java.util.function.BiFunction<Integer, Integer, TestVring> ringFactory;

    private TestFrontEnd(MessageChannel channel, GuestRam ram) {
        this.channel = channel;
        this.ram = ram;
        this.ringFactory = (i, size) -> new TestVring(ram, size, 0);
    }

    static TestFrontEnd connect(Path socket, GuestRam ram) throws NativeException {
        int fd = SocketCalls.socket(SocketCalls.AF_UNIX, SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC);
        try {
            SocketCalls.connect(fd, socket.toString());
        } catch (NativeException e) {
            FileCalls.close(fd);
            throw e;
        }
        return new TestFrontEnd(new MessageChannel(fd, -1), ram);
    }

    /** Sends a request that takes no reply. */
    void send(FrontEndMessage message, int... fds) throws NativeException {
        channel.send(message, false, fds);
    }

    /** Sends a request with need_reply (or one that defines a reply) and reads the reply. */
    BackEndReply call(FrontEndMessage message, int... fds) throws Exception {
        channel.send(message, true, fds);
        return channel.receiveReply();
    }

    /** Sends a request that defines a u64 reply and returns the value. */
    long u64(FrontEndMessage message) throws Exception {
        channel.send(message, false);
        return ((U64Reply) channel.receiveReply()).value();
    }

    /** Sends a request with need_reply and returns the status (0 success). */
    long ack(FrontEndMessage message, int... fds) throws Exception {
        return ((U64Reply) call(message, fds)).value();
    }

    /**
     * QEMU's order: feature and protocol negotiation, queue count, ownership, call eventfds, the
     * features the driver accepted, the memory table (SET_MEM_TABLE, or ADD_MEM_REG with
     * {@code memorySlots}), then each ring (size, base, address, kick), enabling every ring, and
     * the status.
     */
    void handshake(int queueCount, int queueSize, boolean memorySlots) throws Exception {
        long features = u64(new GetFeatures());
        long protocol = u64(new GetProtocolFeatures());
        long wanted = ProtocolFeature.MQ.mask() | ProtocolFeature.REPLY_ACK.mask() | ProtocolFeature.STATUS.mask()
                | (memorySlots ? ProtocolFeature.CONFIGURE_MEM_SLOTS.mask() : 0);
        require(ack(new SetProtocolFeatures(protocol & wanted)) == 0, "SET_PROTOCOL_FEATURES");
        require(u64(new GetQueueNum()) >= queueCount, "GET_QUEUE_NUM");
        if (memorySlots) {
            require(u64(new GetMaxMemSlots()) >= 1, "GET_MAX_MEM_SLOTS");
        }
        require(ack(new SetOwner()) == 0, "SET_OWNER");
        rings = new TestVring[queueCount];
        kicks = new int[queueCount];
        calls = new int[queueCount];
        requestBuffers = new long[queueCount];
        replyBuffers = new long[queueCount];
        for (int i = 0; i < queueCount; i++) {
            kicks[i] = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC | EventFdCalls.EFD_NONBLOCK);
            calls[i] = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC | EventFdCalls.EFD_NONBLOCK);
            require(ack(new SetVringCall(i, false), calls[i]) == 0, "SET_VRING_CALL");
        }
        long accepted = features & (DRIVER_FEATURES | ProtocolFeature.VIRTIO_F_PROTOCOL_FEATURES);
        require(ack(new SetFeatures(accepted)) == 0, "SET_FEATURES");
        if (memorySlots) {
            require(ack(new AddMemReg(ram.region()), ram.fd) == 0, "ADD_MEM_REG");
        } else {
            require(ack(new SetMemTable(List.of(ram.region())), ram.fd) == 0, "SET_MEM_TABLE");
        }
        for (int i = 0; i < queueCount; i++) {
            rings[i] = ringFactory.apply(i, queueSize);
            requestBuffers[i] = ram.allocate(BUFFER_BYTES, 4096);
            replyBuffers[i] = ram.allocate(BUFFER_BYTES, 4096);
            startRing(i, 0);
        }
        for (int i = 0; i < queueCount; i++) {
            require(ack(new SetVringEnable(i, true)) == 0, "SET_VRING_ENABLE");
        }
        long status = u64(new GetStatus());
        require(ack(new SetStatus((int) status | 0x1 | 0x2 | 0x8 | 0x4)) == 0, "SET_STATUS");
    }

    /** SET_VRING_NUM, SET_VRING_BASE, SET_VRING_ADDR and SET_VRING_KICK for ring {@code i}. */
    void startRing(int i, int base) throws Exception {
        require(ack(new SetVringNum(i, rings[i].size)) == 0, "SET_VRING_NUM");
        require(ack(new SetVringBase(i, base)) == 0, "SET_VRING_BASE");
        require(ack(new SetVringAddr(rings[i].address(i))) == 0, "SET_VRING_ADDR");
        require(ack(new SetVringKick(i, false), kicks[i]) == 0, "SET_VRING_KICK");
    }

    /** GET_VRING_BASE: stops ring {@code i}; returns its next available index. */
    int stopRing(int i) throws Exception {
        channel.send(new GetVringBase(i, 0), false);
        VringBaseReply reply = (VringBaseReply) channel.receiveReply();
        require(reply.index() == i, "GET_VRING_BASE index");
        return reply.num();
    }

    /** Ring {@code i}'s reply buffer (guest address), which the back-end writes. */
    long replyBuffer(int i) {
        return replyBuffers[i];
    }

    /** Ring {@code i}'s request buffer (guest address), which the back-end only reads. */
    long requestBuffer(int i) {
        return requestBuffers[i];
    }

    TestVring ring(int i) {
        return rings[i];
    }

    /** Ring {@code i}'s kick eventfd. */
    int kick(int i) {
        return kicks[i];
    }

    /** Ring {@code i}'s call eventfd. */
    int call(int i) {
        return calls[i];
    }

    /**
     * Sends one request like {@link #exchange} but waits for its used element by reading the used
     * ring alone (the call eventfd is not read), up to {@code timeoutMillis}; empty when none came.
     */
    java.util.Optional<byte[]> exchangeWithoutCall(int queue, int opcode, long unique, byte[] body, long timeoutMillis)
            throws Exception {
        offer(queue, opcode, unique, body);
        EventFdCalls.write(kicks[queue], 1);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (System.nanoTime() < deadline) {
            OptionalLong element = rings[queue].poll();
            if (element.isPresent()) {
                return java.util.Optional.of(ram.segment(replyBuffers[queue], (int) element.getAsLong())
                        .toArray(ValueLayout.JAVA_BYTE));
            }
            Thread.sleep(1);
        }
        return java.util.Optional.empty();
    }

    /** Writes one request into queue {@code queue}'s buffer and offers it, without a kick; returns its head. */
    int offer(int queue, int opcode, long unique, byte[] body) {
        long request = requestBuffers[queue];
        MemorySegment in = ram.segment(request, EchoHandler.IN_HEADER + body.length);
        in.fill((byte) 0);
        in.set(ValueLayout.JAVA_INT_UNALIGNED, 0, EchoHandler.IN_HEADER + body.length);
        in.set(ValueLayout.JAVA_INT_UNALIGNED, 4, opcode);
        in.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, unique);
        MemorySegment.copy(body, 0, in, ValueLayout.JAVA_BYTE, EchoHandler.IN_HEADER, body.length);
        return rings[queue].offer(request, EchoHandler.IN_HEADER + body.length, replyBuffers[queue], (int) BUFFER_BYTES);
    }

    /**
     * Sends one FUSE request (a 40-byte {@code fuse_in_header} with {@code opcode} and
     * {@code unique}, then {@code body}) on queue {@code queue} and returns the reply's bytes.
     */
    byte[] exchange(int queue, int opcode, long unique, byte[] body) throws Exception {
        long request = requestBuffers[queue];
        MemorySegment in = ram.segment(request, EchoHandler.IN_HEADER + body.length);
        in.fill((byte) 0);
        in.set(ValueLayout.JAVA_INT_UNALIGNED, 0, EchoHandler.IN_HEADER + body.length);
        in.set(ValueLayout.JAVA_INT_UNALIGNED, 4, opcode);
        in.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, unique);
        in.set(ValueLayout.JAVA_LONG_UNALIGNED, 16, 1);
        MemorySegment.copy(body, 0, in, ValueLayout.JAVA_BYTE, EchoHandler.IN_HEADER, body.length);
        int head = rings[queue].offer(request, EchoHandler.IN_HEADER + body.length, replyBuffers[queue],
                (int) BUFFER_BYTES);
        EventFdCalls.write(kicks[queue], 1);
        long element = awaitUsed(queue);
        require((int) (element >>> 32) == head, "used id " + (element >>> 32) + " is not head " + head);
        int length = (int) element;
        return ram.segment(replyBuffers[queue], length).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Waits (up to 10 s) for the next used element of {@code queue}, woken by its call eventfd. */
    long awaitUsed(int queue) throws Exception {
        PollSet poll = new PollSet(arena, 1);
        poll.set(0, calls[queue], PollSet.POLLIN);
        long deadline = System.nanoTime() + TIMEOUT_MILLIS * 1_000_000L;
        while (true) {
            OptionalLong element = rings[queue].poll();
            if (element.isPresent()) {
                return element.getAsLong();
            }
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                throw new TimeoutException("no used element on queue " + queue + " within " + TIMEOUT_MILLIS + " ms");
            }
            if (FileCalls.poll(poll, (int) Math.min(left, 100)) > 0) {
                FileCalls.readNonBlocking(calls[queue], arena.allocate(8), 8);
            }
        }
    }

    /** Whether ring {@code queue}'s call eventfd was signalled (consumes the count). */
    boolean called(int queue) throws NativeException {
        return FileCalls.readNonBlocking(calls[queue], arena.allocate(8), 8) == 8;
    }

    private static void require(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what + " failed");
        }
    }

    /** Disconnects and closes the eventfds (the RAM stays the caller's). */
    @Override
    public void close() throws NativeException {
        channel.close();
        for (int fd : kicks) {
            FileCalls.close(fd);
        }
        for (int fd : calls) {
            FileCalls.close(fd);
        }
        arena.close();
    }
}
