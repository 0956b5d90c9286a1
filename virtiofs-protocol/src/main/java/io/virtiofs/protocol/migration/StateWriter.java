package io.virtiofs.protocol.migration;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.WritableByteChannel;
import java.util.zip.CRC32C;

/**
 * Writes a device-state stream ({@link StateStream}'s framing) to a channel: the payload written
 * here is cut into checksummed frames of up to 256 KiB; {@link #finish()} writes the end frame.
 * Without {@code finish()} the stream is incomplete and a reader refuses it.
 */
public final class StateWriter implements WritableByteChannel {

    private static final int FRAME = 256 * 1024;

    private final WritableByteChannel out;
    private final ByteBuffer frame = ByteBuffer.allocate(4 + FRAME + 4);
    private final CRC32C crc = new CRC32C();
    private long total;
    private boolean open = true;

    /** Writes the header at once. */
    public StateWriter(WritableByteChannel out) throws IOException {
        this.out = out;
        ByteBuffer header = ByteBuffer.allocate(StateStream.HEADER_BYTES);
        header.put(StateStream.MAGIC).putInt(StateStream.VERSION).flip();
        writeFully(header);
        frame.position(4);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (!open) {
            throw new ClosedChannelException();
        }
        int written = src.remaining();
        while (src.hasRemaining()) {
            int room = 4 + FRAME - frame.position();
            if (room == 0) {
                flushFrame();
                continue;
            }
            int n = Math.min(room, src.remaining());
            ByteBuffer part = src.slice(src.position(), n);
            frame.put(part);
            src.position(src.position() + n);
        }
        total += written;
        return written;
    }

    private void flushFrame() throws IOException {
        int length = frame.position() - 4;
        if (length == 0) {
            return;
        }
        crc.reset();
        crc.update(frame.array(), 4, length);
        frame.putInt(0, length);
        frame.putInt((int) crc.getValue());
        frame.flip();
        writeFully(frame);
        frame.clear();
        frame.position(4);
    }

    private void writeFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    /** Writes the last frame and the end frame; the stream is complete. Does not close the channel. */
    public void finish() throws IOException {
        if (!open) {
            throw new ClosedChannelException();
        }
        flushFrame();
        ByteBuffer end = ByteBuffer.allocate(16);
        end.putInt(0).putLong(total);
        crc.reset();
        crc.update(end.array(), 4, 8);
        end.putInt((int) crc.getValue()).flip();
        writeFully(end);
        open = false;
    }

    /** Payload bytes written so far. */
    public long payloadBytes() {
        return total;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    /** Stops accepting writes; an unfinished stream stays incomplete. Does not close the channel. */
    @Override
    public void close() {
        open = false;
    }
}
