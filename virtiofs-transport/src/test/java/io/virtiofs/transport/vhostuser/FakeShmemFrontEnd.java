package io.virtiofs.transport.vhostuser;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import io.virtiofs.transport.internal.nativeio.MemoryCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.SocketCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The front-end's end of a back-end channel, for tests: reads SHMEM_MAP / SHMEM_UNMAP on its own
 * thread and answers as QEMU 11.1 does (a map that overlaps a held mapping, or an unmap that is
 * not exactly a held mapping, is refused with status 1), or as told: refuse everything, never
 * answer, answer late, or close the channel. Each mapping's first 8 bytes are read through the
 * descriptor that came with it, so tests see that the right file and offset arrived.
 */
final class FakeShmemFrontEnd implements AutoCloseable {

    enum Mode { QEMU, REFUSE, SILENT, CLOSE }

    /** One request as received. */
    record Request(int code, int shmid, long fileOffset, long windowOffset, long length, long flags, long firstWord) {
    }

    private final int socket;
    private final Thread thread;
    final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    /** Held mappings: window offset to length. */
    final TreeMap<Long, Long> held = new TreeMap<>();
    volatile Mode mode = Mode.QEMU;
    private volatile boolean closedHere;
    /** Requests not yet answered in SILENT mode; {@link #answerLate()} answers them. */
    private final List<Integer> unanswered = new ArrayList<>();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(256, 8);

    FakeShmemFrontEnd(int socket) {
        this.socket = socket;
        this.thread = Thread.ofPlatform().name("fake-shmem-front-end").daemon().start(this::serve);
    }

    private void serve() {
        try {
            while (true) {
                long got = 0;
                int fd = -1;
                while (got < 52) {
                    SocketCalls.Received received = SocketCalls.receiveMessage(socket, buffer.asSlice(got), 52 - got, 2);
                    if (received.bytes() == 0) {
                        return;
                    }
                    if (received.fdCount() > 0) {
                        fd = received.fds()[0];
                    }
                    got += received.bytes();
                }
                int code = buffer.get(JAVA_INT_UNALIGNED, 0);
                int flags = buffer.get(JAVA_INT_UNALIGNED, 4);
                int size = buffer.get(JAVA_INT_UNALIGNED, 8);
                if (size != 40 || (flags & MessageHeader.NEED_REPLY) == 0) {
                    throw new IllegalStateException("request " + code + " flags " + flags + " size " + size);
                }
                MemorySegment p = buffer.asSlice(12, 40);
                Request request = new Request(code, p.get(JAVA_BYTE, 0), p.get(JAVA_LONG_UNALIGNED, 8),
                        p.get(JAVA_LONG_UNALIGNED, 16), p.get(JAVA_LONG_UNALIGNED, 24), p.get(JAVA_LONG_UNALIGNED, 32),
                        fd >= 0 ? firstWord(fd, p.get(JAVA_LONG_UNALIGNED, 8)) : 0);
                if (fd >= 0) {
                    MemoryCalls.close(fd);
                }
                requests.add(request);
                switch (mode) {
                    case QEMU -> reply(code, actLikeQemu(request) ? 0 : 1);
                    case REFUSE -> reply(code, 1);
                    case SILENT -> {
                        synchronized (unanswered) {
                            unanswered.add(code);
                        }
                    }
                    case CLOSE -> {
                        closedHere = true;
                        SocketCalls.close(socket);
                        return;
                    }
                }
            }
        } catch (NativeException e) {
            // The back-end closed its end.
        }
    }

    private boolean actLikeQemu(Request request) {
        synchronized (held) {
            long end = request.windowOffset() + request.length();
            if (request.code() == BackEndChannel.SHMEM_MAP) {
                Map.Entry<Long, Long> before = held.floorEntry(request.windowOffset());
                if (before != null && before.getKey() + before.getValue() > request.windowOffset()) {
                    return false;
                }
                if (!held.subMap(request.windowOffset(), true, end, false).isEmpty()) {
                    return false;
                }
                held.put(request.windowOffset(), request.length());
                return true;
            }
            Long length = held.get(request.windowOffset());
            if (length == null || length != request.length()) {
                return false;
            }
            held.remove(request.windowOffset());
            return true;
        }
    }

    private static long firstWord(int fd, long offset) throws NativeException {
        long page = MemoryCalls.pageSize();
        MemorySegment view = MemoryCalls.mmap(0, page, MemoryCalls.PROT_READ, MemoryCalls.MAP_SHARED, fd, offset);
        try {
            return view.get(JAVA_LONG_UNALIGNED, 0);
        } finally {
            MemoryCalls.munmap(view.address(), page);
        }
    }

    private void reply(int code, long status) throws NativeException {
        try (Arena local = Arena.ofConfined()) {
            MemorySegment out = local.allocate(20, 8);
            out.set(JAVA_INT_UNALIGNED, 0, code);
            out.set(JAVA_INT_UNALIGNED, 4, MessageHeader.VERSION | MessageHeader.REPLY);
            out.set(JAVA_INT_UNALIGNED, 8, 8);
            out.set(JAVA_LONG_UNALIGNED, 12, status);
            SocketCalls.sendMessage(socket, out, 20);
        }
    }

    /** Answers every request held back in SILENT mode, with success, and goes back to QEMU mode. */
    void answerLate() throws NativeException {
        synchronized (unanswered) {
            for (int code : unanswered) {
                reply(code, 0);
            }
            unanswered.clear();
        }
        mode = Mode.QEMU;
    }

    Request next() throws InterruptedException {
        Request request = requests.poll(10, TimeUnit.SECONDS);
        if (request == null) {
            throw new AssertionError("no request reached the front-end");
        }
        return request;
    }

    @Override
    public void close() throws Exception {
        if (!closedHere) {
            try {
                SocketCalls.shutdown(socket, SocketCalls.SHUT_RDWR);
            } catch (NativeException e) {
                // The peer is gone.
            }
        }
        thread.join(10_000);
        if (!closedHere) {
            SocketCalls.close(socket);
        }
        arena.close();
    }
}
