package io.virtiofs.transport.vhostuser;

import io.virtiofs.api.Errno;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;

/**
 * The descriptor of a device-state transfer (SET_DEVICE_STATE_FD: one end of the front-end's
 * pipe) as a blocking byte channel, through a native buffer of its own. Closing it closes the
 * descriptor, which ends the transfer for the other side.
 */
final class TransferChannel implements ByteChannel {

    private static final int BUFFER = 64 * 1024;

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(BUFFER);
    private boolean open = true;

    /** Takes over {@code fd} and makes it blocking. */
    TransferChannel(int fd) throws IOException {
        this.fd = fd;
        try {
            int flags = FileCalls.fcntl(fd, FileCalls.F_GETFL, 0);
            if ((flags & FileCalls.O_NONBLOCK) != 0) {
                FileCalls.fcntl(fd, FileCalls.F_SETFL, flags & ~FileCalls.O_NONBLOCK);
            }
        } catch (NativeException e) {
            close();
            throw new IOException("the transfer descriptor: " + e.getMessage(), e);
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        requireOpen();
        int want = Math.min(dst.remaining(), BUFFER);
        if (want == 0) {
            return 0;
        }
        while (true) {
            try {
                long n = FileCalls.read(fd, buffer, want);
                if (n == 0) {
                    return -1;
                }
                dst.put(buffer.asSlice(0, n).asByteBuffer());
                return (int) n;
            } catch (NativeException e) {
                if (e.errno() != Errno.EINTR) {
                    throw new IOException("reading the device state: " + e.getMessage(), e);
                }
            }
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        requireOpen();
        int total = 0;
        while (src.hasRemaining()) {
            int n = Math.min(src.remaining(), BUFFER);
            buffer.asSlice(0, n).asByteBuffer().put(src.slice(src.position(), n));
            int done = 0;
            while (done < n) {
                try {
                    done += (int) FileCalls.write(fd, buffer.asSlice(done), n - done);
                } catch (NativeException e) {
                    if (e.errno() != Errno.EINTR) {
                        throw new IOException("writing the device state: " + e.getMessage(), e);
                    }
                }
            }
            src.position(src.position() + n);
            total += n;
        }
        return total;
    }

    private void requireOpen() throws ClosedChannelException {
        if (!open) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        if (open) {
            open = false;
            ReceivedFds.closeQuietly(fd);
            arena.close();
        }
    }
}
