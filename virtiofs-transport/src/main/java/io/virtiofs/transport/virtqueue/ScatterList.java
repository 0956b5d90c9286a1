package io.virtiofs.transport.virtqueue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * The descriptors of one direction of a chain laid end to end: part {@code p} covers the stream
 * indexes {@code [start(p), end(p))} and lives in {@code base(p)} from {@code start(p) + delta(p)}.
 * Bases are whole guest region segments, so filling the list allocates nothing, and every
 * access through it is still checked against its region. The storage behind {@link ChainBuffer}.
 */
final class ScatterList {

    private MemorySegment[] bases = new MemorySegment[2];
    private long[] deltas = new long[2];
    private int[] starts = new int[2];
    private int[] ends = new int[2];
    private int count;
    private int total;

    void clear() {
        count = 0;
        total = 0;
    }

    /** Appends {@code length} bytes of {@code base} from {@code offset}; the caller checked they lie inside it. */
    void add(MemorySegment base, long offset, int length) {
        if (count == bases.length) {
            bases = Arrays.copyOf(bases, count * 2);
            deltas = Arrays.copyOf(deltas, count * 2);
            starts = Arrays.copyOf(starts, count * 2);
            ends = Arrays.copyOf(ends, count * 2);
        }
        bases[count] = base;
        deltas[count] = offset - total;
        starts[count] = total;
        ends[count] = total + length;
        count++;
        total += length;
    }

    /** The number of parts. */
    int count() {
        return count;
    }

    /** The bytes of all parts. */
    int total() {
        return total;
    }

    MemorySegment base(int p) {
        return bases[p];
    }

    /** What to add to a stream index in part {@code p} for its offset in {@link #base}. */
    long delta(int p) {
        return deltas[p];
    }

    int start(int p) {
        return starts[p];
    }

    int end(int p) {
        return ends[p];
    }

    /** The part holding {@code index} (below {@link #total()}), trying {@code hint} first. */
    int partOf(int index, int hint) {
        if (index >= starts[hint] && index < ends[hint]) {
            return hint;
        }
        int p = 0;
        while (index >= ends[p]) {
            p++;
        }
        return p;
    }

    /**
     * Copies {@code length} bytes between the stream from {@code index} and {@code other} from
     * {@code otherOffset}, part by part: into the stream if {@code inward}, else out of it.
     */
    void copy(int index, MemorySegment other, long otherOffset, int length, boolean inward) {
        int p = 0;
        while (length > 0) {
            p = partOf(index, p);
            int n = Math.min(length, ends[p] - index);
            if (inward) {
                MemorySegment.copy(other, otherOffset, bases[p], deltas[p] + index, n);
            } else {
                MemorySegment.copy(bases[p], deltas[p] + index, other, otherOffset, n);
            }
            index += n;
            otherOffset += n;
            length -= n;
        }
    }

    /** Copies {@code length} bytes of the stream from {@code index} into {@code dst}. */
    void copyOut(int index, byte[] dst, int dstIndex, int length) {
        int p = 0;
        while (length > 0) {
            p = partOf(index, p);
            int n = Math.min(length, ends[p] - index);
            MemorySegment.copy(bases[p], ValueLayout.JAVA_BYTE, deltas[p] + index, dst, dstIndex, n);
            index += n;
            dstIndex += n;
            length -= n;
        }
    }

    /** Copies {@code length} bytes of {@code src} into the stream from {@code index}. */
    void copyIn(int index, byte[] src, int srcIndex, int length) {
        int p = 0;
        while (length > 0) {
            p = partOf(index, p);
            int n = Math.min(length, ends[p] - index);
            MemorySegment.copy(src, srcIndex, bases[p], ValueLayout.JAVA_BYTE, deltas[p] + index, n);
            index += n;
            srcIndex += n;
            length -= n;
        }
    }

    /** Copies this stream's {@code [index, index + length)} into {@code target} from {@code targetIndex}. */
    void copyTo(int index, ScatterList target, int targetIndex, int length) {
        int p = 0;
        while (length > 0) {
            p = partOf(index, p);
            int n = Math.min(length, ends[p] - index);
            target.copy(targetIndex, bases[p], deltas[p] + index, n, true);
            index += n;
            targetIndex += n;
            length -= n;
        }
    }

    /** A {@link ByteBuffer} over {@code length} bytes from {@code index} inside part {@code p} (allocates). */
    ByteBuffer buffer(int p, int index, int length, boolean readOnly) {
        ByteBuffer buffer = bases[p].asSlice(deltas[p] + index, length).asByteBuffer();
        return readOnly ? buffer.asReadOnlyBuffer() : buffer;
    }

    /** {@link ByteBuffer}s over the stream's {@code [index, index + length)}, one per part touched (allocates). */
    ByteBuffer[] buffers(int index, int length, boolean readOnly) {
        if (length == 0) {
            return new ByteBuffer[] {ByteBuffer.allocate(0)};
        }
        int first = partOf(index, 0);
        int last = partOf(index + length - 1, first);
        ByteBuffer[] buffers = new ByteBuffer[last - first + 1];
        for (int p = first; p <= last; p++) {
            int from = Math.max(index, starts[p]);
            int to = Math.min(index + length, ends[p]);
            buffers[p - first] = buffer(p, from, to - from, readOnly);
        }
        return buffers;
    }

    /** Writes {@code sources} to {@code out} from {@code position} until one is written short; returns the bytes written. */
    static int write(FileChannel out, long position, ByteBuffer[] sources) throws IOException {
        int written = 0;
        for (ByteBuffer source : sources) {
            int n = source.remaining();
            int w = out.write(source, position + written);
            written += w;
            if (w < n) {
                break;
            }
        }
        return written;
    }

    /**
     * Fills {@code targets} from {@code in} from {@code position} until one is filled short;
     * returns the bytes read, or -1 at the end of the file.
     */
    static int read(FileChannel in, long position, ByteBuffer[] targets) throws IOException {
        int read = 0;
        for (ByteBuffer target : targets) {
            int n = target.remaining();
            int r = in.read(target, position + read);
            if (r < 0) {
                return read == 0 ? -1 : read;
            }
            read += r;
            if (r < n) {
                break;
            }
        }
        return read;
    }
}
