package io.virtiofs.passthrough;

import io.netty.buffer.ByteBuf;
import io.virtiofs.transport.internal.nativeio.DataCalls;
import io.virtiofs.transport.internal.nativeio.IoVector;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * File data between a host descriptor and the transport's buffers, without a copy in between:
 * the buffer's pieces (guest memory for virtio-fs, the request buffer for /dev/fuse) go into one
 * iovec array and one {@code preadv}/{@code pwritev} moves the data. Only a buffer on the Java
 * heap (tests, embedders' own buffers) goes through a native bounce buffer.
 */
final class HostIo {

    private HostIo() {
    }

    /**
     * Reads up to {@code size} bytes at {@code offset} into {@code dst} from its writer index, and
     * advances the writer index by what was read.
     *
     * @return the bytes read (fewer than asked only at the end of the file)
     */
    static int read(int fd, long offset, int size, ByteBuf dst, ThreadScratch scratch) throws NativeException {
        if (size == 0) {
            return 0;
        }
        int start = dst.writerIndex();
        ByteBuffer[] pieces = dst.nioBuffers(start, size);
        IoVector iov = scratch.iov();
        int count = gather(pieces, iov);
        long done;
        if (count >= 0) {
            done = DataCalls.preadv(fd, iov, count, offset);
        } else {
            MemorySegment bounce = scratch.bounce(size);
            done = DataCalls.pread(fd, bounce, size, offset);
            dst.setBytes(start, bounce.asSlice(0, done).asByteBuffer());
        }
        dst.writerIndex(start + (int) done);
        return (int) done;
    }

    /**
     * Writes the {@code size} readable bytes of {@code data} at {@code offset}.
     *
     * @return the bytes written
     */
    static int write(int fd, long offset, int size, ByteBuf data, ThreadScratch scratch) throws NativeException {
        if (size == 0) {
            return 0;
        }
        ByteBuffer[] pieces = data.nioBuffers(data.readerIndex(), size);
        IoVector iov = scratch.iov();
        int count = gather(pieces, iov);
        if (count >= 0) {
            return (int) DataCalls.pwritev(fd, iov, count, offset);
        }
        MemorySegment bounce = scratch.bounce(size);
        data.getBytes(data.readerIndex(), bounce.asSlice(0, size).asByteBuffer());
        return (int) DataCalls.pwrite(fd, bounce, size, offset);
    }

    /** Fills {@code iov} with the pieces; -1 when one is on the heap or there are too many. */
    private static int gather(ByteBuffer[] pieces, IoVector iov) {
        if (pieces.length > iov.capacity()) {
            return -1;
        }
        int n = 0;
        for (ByteBuffer piece : pieces) {
            if (!piece.isDirect()) {
                return -1;
            }
            int length = piece.remaining();
            if (length == 0) {
                continue;
            }
            iov.set(n++, MemorySegment.ofBuffer(piece), length);
        }
        return n;
    }
}
