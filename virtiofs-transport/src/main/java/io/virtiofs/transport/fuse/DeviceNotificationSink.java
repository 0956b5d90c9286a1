package io.virtiofs.transport.fuse;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.server.NotificationSink;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.IoVector;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Sends FUSE notifications ({@code fuse_out_header} with unique 0, then the body) by writing them
 * to the session descriptor, one {@code writev(2)} per message; the kernel's answer to the write
 * (such as {@code ENOENT} for a node it has not cached) becomes an {@link ErrnoException}.
 *
 * <p>A message in direct memory is written where it lies; anything else is first copied into a
 * native buffer. Sends from several threads are serialized. After {@link #close()} every send
 * fails with {@code ENOTCONN}.
 */
final class DeviceNotificationSink implements NotificationSink, AutoCloseable {

    /** The most pieces a message may have to be written without copying. */
    private static final int MAX_PIECES = 16;

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final IoVector vector;
    private final MemorySegment copyBuffer;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean closed;

    /** A sink writing to session descriptor {@code fd}, copying messages of up to {@code copyBufferSize} bytes without allocating. */
    DeviceNotificationSink(int fd, int copyBufferSize) {
        this.fd = fd;
        this.vector = new IoVector(arena, MAX_PIECES);
        this.copyBuffer = arena.allocate(copyBufferSize, 8);
    }

    @Override
    public void send(ByteBuf message) {
        int length = message.readableBytes();
        if (length < OutHeader.SIZE) {
            throw new IllegalArgumentException("a notification of " + length + " bytes is shorter than fuse_out_header");
        }
        lock.lock();
        try {
            if (closed) {
                throw new ErrnoException(Errno.ENOTCONN, "the FUSE session has ended");
            }
            long written = writeInPlace(message) ? FileCalls.writev(fd, vector, message.nioBufferCount())
                    : writeCopy(message);
            if (written != length) {
                throw new ErrnoException(Errno.EIO, "the kernel took " + written + " of " + length + " notification bytes");
            }
        } catch (NativeException e) {
            throw new ErrnoException(e.errno(), "the kernel refused the notification: " + e.errno().description(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Points the iovec at the message's direct pieces; false when it has heap pieces or too many. */
    private boolean writeInPlace(ByteBuf message) {
        int count = message.nioBufferCount();
        if (count < 1 || count > MAX_PIECES) {
            return false;
        }
        ByteBuffer[] pieces = message.nioBuffers();
        for (ByteBuffer piece : pieces) {
            if (!piece.isDirect()) {
                return false;
            }
        }
        for (int i = 0; i < pieces.length; i++) {
            MemorySegment segment = MemorySegment.ofBuffer(pieces[i]);
            vector.set(i, segment, segment.byteSize());
        }
        return true;
    }

    private long writeCopy(ByteBuf message) throws NativeException {
        int length = message.readableBytes();
        if (length <= copyBuffer.byteSize()) {
            message.getBytes(message.readerIndex(), copyBuffer.asSlice(0, length).asByteBuffer());
            return FileCalls.write(fd, copyBuffer, length);
        }
        try (Arena large = Arena.ofConfined()) {
            MemorySegment buffer = large.allocate(length, 8);
            message.getBytes(message.readerIndex(), buffer.asByteBuffer());
            return FileCalls.write(fd, buffer, length);
        }
    }

    /** Refuses further sends and frees the buffers; waits for a send in progress. Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                arena.close();
            }
        } finally {
            lock.unlock();
        }
    }
}
