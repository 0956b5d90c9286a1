package io.virtiofs.transport.vhostuser;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.PollSet;
import io.virtiofs.transport.internal.nativeio.SocketCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Optional;

/**
 * One connected vhost-user socket: reads whole messages with the descriptors sent along
 * ({@code SCM_RIGHTS}) and writes whole messages. Both roles are here: the back-end reads
 * requests and writes replies; a front-end (in tests) does the opposite.
 *
 * <p>Reading waits in {@code poll(2)} on the socket and on an optional stop descriptor (an
 * eventfd another thread writes to end the wait). Used by one thread at a time; owns the socket.
 */
final class MessageChannel implements AutoCloseable {

    private static final int SOCKET = 0;
    private static final int STOP = 1;

    private final int socket;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(MessageHeader.BYTES + MessageHeader.MAX_PAYLOAD, 8);
    private final PollSet poll = new PollSet(arena, 2);
    private boolean closed;

    /**
     * @param socket a connected stream socket, owned by the channel from now on
     * @param stopFd a descriptor that becomes readable when reading must stop, or -1 for none
     */
    MessageChannel(int socket, int stopFd) {
        this.socket = socket;
        poll.set(SOCKET, socket, PollSet.POLLIN);
        poll.set(STOP, stopFd, PollSet.POLLIN);
    }

    /** A received message before its payload is decoded. */
    private record Raw(MessageHeader header, MemorySegment payload, ReceivedFds fds) {
    }

    /**
     * The next request, decoded.
     *
     * @return the request, or empty when the front-end closed the connection between messages or
     *     the stop descriptor became readable
     * @throws VhostUserProtocolException for a malformed message (its descriptors are closed)
     * @throws NativeException if the socket fails
     */
    Optional<FrontEndRequest> receiveRequest() throws VhostUserProtocolException, NativeException {
        Optional<Raw> raw = receive(false);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        Raw message = raw.get();
        try {
            FrontEndMessage decoded = MessageCodec.decode(message.header(), message.payload(), message.fds().count());
            return Optional.of(new FrontEndRequest(message.header(), decoded, message.fds()));
        } catch (VhostUserProtocolException e) {
            message.fds().close();
            throw e.about(message.header());
        } catch (RuntimeException e) {
            message.fds().close();
            throw e;
        }
    }

    /**
     * The next reply, decoded (the front-end's side).
     *
     * @throws VhostUserProtocolException {@link ProtocolFault#TRUNCATED} if the back-end closed the
     *     connection instead, or for a malformed reply
     */
    BackEndReply receiveReply() throws VhostUserProtocolException, NativeException {
        Raw message = receive(true).orElseThrow(() -> new VhostUserProtocolException(ProtocolFault.TRUNCATED,
                "the back-end closed the connection instead of replying"));
        try (ReceivedFds fds = message.fds()) {
            if (fds.count() != 0) {
                throw new VhostUserProtocolException(ProtocolFault.FD_COUNT, "a reply came with " + fds.count()
                        + " descriptors");
            }
            return MessageCodec.decodeReply(message.header(), message.payload());
        }
    }

    /** Sends a reply. */
    void send(BackEndReply reply) throws NativeException {
        int length = MessageCodec.writeReply(reply, buffer);
        sendFully(length);
    }

    /** Sends a request with {@code fds} (the front-end's side); the descriptors stay the caller's. */
    void send(FrontEndMessage request, boolean needReply, int... fds) throws NativeException {
        int length = MessageCodec.writeRequest(request, needReply, buffer);
        sendFully(length, fds);
    }

    /** Sends raw bytes (tests of malformed messages). */
    void sendRaw(byte[] bytes, int... fds) throws NativeException {
        MemorySegment.copy(bytes, 0, buffer, JAVA_BYTE, 0, bytes.length);
        sendFully(bytes.length, fds);
    }

    private void sendFully(int length, int... fds) throws NativeException {
        long sent = 0;
        int[] withFirst = fds;
        while (sent < length) {
            sent += SocketCalls.sendMessage(socket, buffer.asSlice(sent), length - sent, withFirst);
            withFirst = new int[0];
        }
    }

    private Optional<Raw> receive(boolean reply) throws VhostUserProtocolException, NativeException {
        int[] fds = new int[0];
        try {
            long got = 0;
            while (got < MessageHeader.BYTES) {
                ReadResult step = readSome(got, MessageHeader.BYTES - got, fds);
                fds = step.fds;
                requireFewFds(step);
                if (step.bytes == 0) {
                    if (got == 0) {
                        closeAll(fds);
                        fds = new int[0];
                        return Optional.empty();
                    }
                    throw truncated(got, MessageHeader.BYTES);
                }
                got += step.bytes;
            }
            MemorySegment headerBytes = buffer.asSlice(0, MessageHeader.BYTES);
            MessageHeader header = reply ? MessageHeader.readReply(headerBytes) : MessageHeader.readRequest(headerBytes);
            long total = MessageHeader.BYTES + (long) header.size();
            while (got < total) {
                ReadResult step = readSome(got, total - got, fds);
                fds = step.fds;
                requireFewFds(step);
                if (step.bytes == 0) {
                    throw truncated(got, total);
                }
                got += step.bytes;
            }
            MemorySegment payload = buffer.asSlice(MessageHeader.BYTES, header.size());
            ReceivedFds owned = new ReceivedFds(fds);
            fds = new int[0];
            return Optional.of(new Raw(header, payload, owned));
        } catch (StoppedException e) {
            closeAll(fds);
            return Optional.empty();
        } catch (VhostUserProtocolException | NativeException | RuntimeException e) {
            closeAll(fds);
            throw e;
        }
    }

    /** One read: its bytes, every descriptor of the message so far, and whether there are too many. */
    private record ReadResult(long bytes, int[] fds, boolean tooManyFds) {
    }

    /** The stop descriptor became readable. */
    private static final class StoppedException extends Exception {
        private static final long serialVersionUID = 1L;

        StoppedException() {
            super(null, null, false, false);
        }
    }

    private ReadResult readSome(long offset, long length, int[] fdsSoFar)
            throws VhostUserProtocolException, NativeException, StoppedException {
        awaitReadable();
        SocketCalls.Received received = SocketCalls.receiveMessage(socket, buffer.asSlice(offset), length,
                MessageCodec.MAX_FDS);
        int[] fds = Arrays.copyOf(fdsSoFar, fdsSoFar.length + received.fdCount());
        System.arraycopy(received.fds(), 0, fds, fdsSoFar.length, received.fdCount());
        return new ReadResult(received.bytes(), fds, received.controlTruncated() || fds.length > MessageCodec.MAX_FDS);
    }

    private static void requireFewFds(ReadResult step) throws VhostUserProtocolException {
        if (step.tooManyFds) {
            throw new VhostUserProtocolException(ProtocolFault.TOO_MANY_FDS, "a message came with more than "
                    + MessageCodec.MAX_FDS + " descriptors");
        }
    }

    private void awaitReadable() throws NativeException, StoppedException {
        while (true) {
            if (FileCalls.poll(poll, -1) == 0) {
                continue;
            }
            if (poll.revents(STOP) != 0) {
                throw new StoppedException();
            }
            if (poll.revents(SOCKET) != 0) {
                return;
            }
        }
    }

    private static VhostUserProtocolException truncated(long got, long expected) {
        return new VhostUserProtocolException(ProtocolFault.TRUNCATED, "the connection ended after " + got + " of "
                + expected + " bytes of a message");
    }

    private static void closeAll(int[] fds) {
        for (int fd : fds) {
            ReceivedFds.closeQuietly(fd);
        }
    }

    /** Ends both directions, so a peer waiting for a message sees the end now. */
    void shutdown() {
        try {
            SocketCalls.shutdown(socket, SocketCalls.SHUT_RDWR);
        } catch (NativeException e) {
            // The peer may be gone already: nothing left to end.
        }
    }

    /** Closes the socket. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            ReceivedFds.closeQuietly(socket);
            arena.close();
        }
    }
}
