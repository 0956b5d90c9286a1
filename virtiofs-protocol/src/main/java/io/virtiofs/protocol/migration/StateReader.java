package io.virtiofs.protocol.migration;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Reads a device-state stream ({@link StateStream}'s framing): checks the header and version at
 * construction, each frame's checksum before handing out its bytes, and that the end frame comes
 * and matches. A payload reader sees end-of-stream (-1) only after a verified end frame; a stream
 * that stops before it, a bad checksum, or a frame of an impossible length throws
 * {@link StateFormatException}.
 */
public final class StateReader implements ReadableByteChannel {

    private final ReadableByteChannel in;
    private final ByteBuffer frame = ByteBuffer.allocate(StateStream.MAX_FRAME);
    private final CRC32C crc = new CRC32C();
    private final int version;
    private long total;
    private boolean ended;
    private boolean open = true;

    /**
     * Reads and checks the header.
     *
     * @throws StateFormatException if it is not a device state, or one of a version this side does not read
     */
    public StateReader(ReadableByteChannel in) throws IOException {
        this.in = in;
        ByteBuffer header = ByteBuffer.allocate(StateStream.HEADER_BYTES);
        readFully(header, "the header");
        header.flip();
        byte[] magic = new byte[StateStream.MAGIC.length];
        header.get(magic);
        if (!Arrays.equals(magic, StateStream.MAGIC)) {
            throw new StateFormatException("not a virtiofs-java device state (the stream starts with "
                    + printable(magic) + ")");
        }
        version = header.getInt();
        if (version > StateStream.VERSION) {
            throw new StateFormatException("device state version " + Integer.toUnsignedString(version)
                    + " is newer than this back-end reads (up to " + StateStream.VERSION
                    + "): migrate to a back-end of the source's version or newer");
        }
        if (version < StateStream.OLDEST_READABLE) {
            throw new StateFormatException("device state version " + version + " is older than this back-end reads ("
                    + StateStream.OLDEST_READABLE + " to " + StateStream.VERSION + ")");
        }
        frame.limit(0);
    }

    private static String printable(byte[] bytes) {
        StringBuilder text = new StringBuilder("0x");
        for (byte b : bytes) {
            text.append(String.format("%02x", b));
        }
        return text.toString();
    }

    /** The stream's version. */
    public int version() {
        return version;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!open) {
            throw new java.nio.channels.ClosedChannelException();
        }
        if (!frame.hasRemaining()) {
            if (ended || !nextFrame()) {
                return -1;
            }
        }
        int n = Math.min(dst.remaining(), frame.remaining());
        dst.put(dst.position(), frame, frame.position(), n);
        dst.position(dst.position() + n);
        frame.position(frame.position() + n);
        return n;
    }

    /** Reads the next frame; false at a verified end frame. */
    private boolean nextFrame() throws IOException {
        ByteBuffer head = ByteBuffer.allocate(4);
        readFully(head, "a frame header after " + total + " payload bytes");
        int length = head.getInt(0);
        if (length == 0) {
            ByteBuffer end = ByteBuffer.allocate(12);
            readFully(end, "the end frame");
            crc.reset();
            crc.update(end.array(), 0, 8);
            if ((int) crc.getValue() != end.getInt(8)) {
                throw new StateFormatException("the end frame's checksum does not match");
            }
            long declared = end.getLong(0);
            if (declared != total) {
                throw new StateFormatException("the stream ends after " + total + " payload bytes, but says "
                        + declared + " were written");
            }
            ended = true;
            return false;
        }
        if (length < 0 || length > StateStream.MAX_FRAME) {
            throw new StateFormatException("a frame of " + Integer.toUnsignedString(length) + " bytes after " + total
                    + " payload bytes: the stream is corrupt");
        }
        frame.clear().limit(length);
        readFully(frame, "a frame of " + length + " bytes");
        ByteBuffer sum = ByteBuffer.allocate(4);
        readFully(sum, "a frame's checksum");
        crc.reset();
        crc.update(frame.array(), 0, length);
        if ((int) crc.getValue() != sum.getInt(0)) {
            throw new StateFormatException("the checksum of the frame after " + total
                    + " payload bytes does not match: the stream is corrupt");
        }
        frame.flip();
        total += length;
        return true;
    }

    private void readFully(ByteBuffer buffer, String what) throws IOException {
        while (buffer.hasRemaining()) {
            if (in.read(buffer) < 0) {
                throw new StateFormatException("the device state stream ends in " + what + ": it was cut short",
                        new EOFException());
            }
        }
    }

    /**
     * Checks that the payload was read to its end and that the end frame came: after the file
     * system's state, nothing may be left over.
     */
    public void requireEnd() throws IOException {
        if (frame.hasRemaining() || (!ended && nextFrame())) {
            throw new StateFormatException("bytes are left over after the state was read (at payload byte "
                    + (total - frame.remaining()) + "): the two sides disagree on the format");
        }
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    /** Stops reading; does not close the underlying channel. */
    @Override
    public void close() {
        open = false;
    }
}
