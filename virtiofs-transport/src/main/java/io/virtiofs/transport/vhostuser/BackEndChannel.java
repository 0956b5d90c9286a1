package io.virtiofs.transport.vhostuser;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.PollSet;
import io.virtiofs.transport.internal.nativeio.SocketCalls;
import io.virtiofs.api.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * The back-end's request channel (vhost-user.rst, "Back-end communication"): the socket the
 * front-end handed over with SET_BACKEND_REQ_FD, on which the back-end sends requests and, with
 * REPLY_ACK, reads a {@code u64} status for each (0 success).
 *
 * <p>Only the shared memory requests are sent: {@code VHOST_USER_BACKEND_SHMEM_MAP} (9) with the
 * file's descriptor and {@code VHOST_USER_BACKEND_SHMEM_UNMAP} (10), each with a
 * {@code VhostUserMMap} payload (shmid, 7 bytes of padding, fd_offset, shm_offset, len, flags:
 * 40 bytes).
 *
 * <p>Every wait is bounded: a front-end that does not answer within the timeout makes the call
 * fail with {@link Errno#ETIMEDOUT}; its late answer, when it comes, is read and dropped before the
 * answer to the next request (the front-end answers in order). A front-end that closes the channel,
 * or breaks its framing, makes this and every later call fail with {@link Errno#ENOTCONN}.
 * Thread-safe: one request at a time.
 */
final class BackEndChannel implements AutoCloseable {

    /** {@code VHOST_USER_BACKEND_SHMEM_MAP}. */
    static final int SHMEM_MAP = 9;
    /** {@code VHOST_USER_BACKEND_SHMEM_UNMAP}. */
    static final int SHMEM_UNMAP = 10;
    /** {@code VHOST_USER_FLAG_MAP_RW}: the mapping is writable (it is always readable). */
    static final long MAP_RW = 1;
    /** {@code sizeof(VhostUserMMap)}. */
    static final int MMAP_PAYLOAD = 40;

    private static final int REPLY_BYTES = MessageHeader.BYTES + 8;

    private final int socket;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment out = arena.allocate(MessageHeader.BYTES + MMAP_PAYLOAD, 8);
    private final MemorySegment in = arena.allocate(MessageHeader.BYTES + MessageHeader.MAX_PAYLOAD, 8);
    private final PollSet poll = new PollSet(arena, 1);
    private final long timeoutNanos;
    /** Requests whose answer did not come in time; their answers are dropped when they come. */
    private int lateReplies;
    private boolean broken;
    private boolean closed;
    /** Whether a request waits for the front-end's answer (read by the session's thread). */
    private volatile boolean awaiting;

    /**
     * @param socket the connected socket from SET_BACKEND_REQ_FD, owned by the channel from now on
     * @param timeout how long to wait for each answer
     */
    BackEndChannel(int socket, Duration timeout) {
        this.socket = socket;
        this.timeoutNanos = timeout.toNanos();
        if (timeoutNanos <= 0) {
            throw new IllegalArgumentException("reply timeout " + timeout + " is not positive");
        }
        try {
            int flags = FileCalls.fcntl(socket, FileCalls.F_GETFL, 0);
            FileCalls.fcntl(socket, FileCalls.F_SETFL, flags | FileCalls.O_NONBLOCK);
        } catch (NativeException e) {
            // Not a descriptor we can use: every request fails with ENOTCONN.
            broken = true;
        }
    }

    /** What came back for a request. */
    enum Outcome {
        /** Status 0. */
        DONE,
        /** A non-zero status: the front-end refused. */
        REFUSED,
        /** No answer within the timeout; the front-end may still act on the request. */
        TIMED_OUT,
        /** The channel is closed or broken: the request was not (or may not have been) delivered. */
        GONE
    }

    /**
     * Sends {@code SHMEM_MAP}: {@code length} bytes of {@code fd} from {@code fileOffset} at
     * {@code windowOffset} of shared memory region {@code shmid}.
     */
    synchronized Outcome map(int shmid, int fd, long fileOffset, long windowOffset, long length, boolean writable) {
        return call(SHMEM_MAP, shmid, fileOffset, windowOffset, length, writable ? MAP_RW : 0, fd);
    }

    /** Sends {@code SHMEM_UNMAP} of exactly the mapping at {@code windowOffset} of {@code length} bytes. */
    synchronized Outcome unmap(int shmid, long windowOffset, long length) {
        return call(SHMEM_UNMAP, shmid, 0, windowOffset, length, 0, -1);
    }

    /** Whether a request is waiting for the front-end's answer now. */
    boolean awaiting() {
        return awaiting;
    }

    /** Whether the channel can still carry requests. */
    synchronized boolean usable() {
        return !broken && !closed;
    }

    private Outcome call(int request, int shmid, long fileOffset, long windowOffset, long length, long flags, int fd) {
        if (broken || closed) {
            return Outcome.GONE;
        }
        MessageHeader.request(request, true, MMAP_PAYLOAD).write(out);
        MemorySegment p = out.asSlice(MessageHeader.BYTES, MMAP_PAYLOAD);
        p.fill((byte) 0);
        p.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) shmid);
        p.set(JAVA_LONG_UNALIGNED, 8, fileOffset);
        p.set(JAVA_LONG_UNALIGNED, 16, windowOffset);
        p.set(JAVA_LONG_UNALIGNED, 24, length);
        p.set(JAVA_LONG_UNALIGNED, 32, flags);
        long deadline = System.nanoTime() + timeoutNanos;
        awaiting = true;
        try {
            if (!sendFully(MessageHeader.BYTES + MMAP_PAYLOAD, fd, deadline)) {
                // Part of the message may be out: the framing is lost.
                broken = true;
                return Outcome.TIMED_OUT;
            }
            while (true) {
                Reply reply = readReply(deadline);
                if (reply == null) {
                    lateReplies++;
                    return Outcome.TIMED_OUT;
                }
                if (lateReplies > 0) {
                    lateReplies--;
                    continue;
                }
                if (reply.request != request) {
                    broken = true;
                    return Outcome.GONE;
                }
                return reply.status == 0 ? Outcome.DONE : Outcome.REFUSED;
            }
        } catch (NativeException | VhostUserProtocolException e) {
            broken = true;
            return Outcome.GONE;
        } finally {
            awaiting = false;
        }
    }

    private record Reply(int request, long status) {
    }

    /** Sends the message, waiting for room until the deadline; false if the deadline passed. */
    private boolean sendFully(int length, int fd, long deadline) throws NativeException {
        long sent = 0;
        int[] fds = fd >= 0 ? new int[] {fd} : new int[0];
        while (sent < length) {
            try {
                sent += SocketCalls.sendMessage(socket, out.asSlice(sent), length - sent, fds);
                fds = new int[0];
            } catch (NativeException e) {
                if (e.errno() != Errno.EAGAIN) {
                    throw e;
                }
                if (!await(PollSet.POLLOUT, deadline)) {
                    if (sent > 0) {
                        broken = true;
                    }
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Reads one whole reply (header and {@code u64}), or null when the deadline passed before its
     * first byte. A reply cut short by the deadline breaks the channel.
     */
    private Reply readReply(long deadline) throws NativeException, VhostUserProtocolException {
        long got = 0;
        long total = MessageHeader.BYTES;
        MessageHeader header = null;
        while (got < total) {
            if (!await(PollSet.POLLIN, deadline)) {
                if (got > 0) {
                    throw new VhostUserProtocolException(ProtocolFault.TRUNCATED, "a reply stopped after " + got
                            + " bytes");
                }
                return null;
            }
            SocketCalls.Received received;
            try {
                received = SocketCalls.receiveMessage(socket, in.asSlice(got), total - got, 1);
            } catch (NativeException e) {
                if (e.errno() == Errno.EAGAIN) {
                    continue;
                }
                throw e;
            }
            for (int i = 0; i < received.fdCount(); i++) {
                ReceivedFds.closeQuietly(received.fds()[i]);
            }
            if (received.bytes() == 0) {
                throw new VhostUserProtocolException(ProtocolFault.TRUNCATED, "the front-end closed the back-end channel");
            }
            got += received.bytes();
            if (header == null && got >= MessageHeader.BYTES) {
                header = MessageHeader.readReply(in.asSlice(0, MessageHeader.BYTES));
                if (header.size() != 8) {
                    throw new VhostUserProtocolException(ProtocolFault.PAYLOAD_SIZE, "a reply to "
                            + header.request() + " carries " + header.size() + " bytes, not a u64");
                }
                total = REPLY_BYTES;
            }
        }
        return new Reply(in.get(JAVA_INT_UNALIGNED, 0), in.get(JAVA_LONG_UNALIGNED, MessageHeader.BYTES));
    }

    /** Waits until the socket is ready for {@code events}; false at the deadline. Hang-up counts as ready. */
    private boolean await(short events, long deadline) throws NativeException {
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            poll.set(0, socket, events);
            int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000));
            if (FileCalls.poll(poll, millis) > 0 && poll.revents(0) != 0) {
                return true;
            }
        }
    }

    /** Closes the socket; later requests fail with {@link Outcome#GONE}. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            ReceivedFds.closeQuietly(socket);
            arena.close();
        }
    }
}
