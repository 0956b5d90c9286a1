package io.virtiofs.transport.virtqueue;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;
import org.jspecify.annotations.Nullable;

/**
 * The readable or the writable part of a {@link DescriptorChain} as one netty buffer: the
 * part's descriptors, in chain order, laid end to end (VIRTIO 1.2 §2.7.4: the device sees a
 * chain's buffers as one stream per direction). Reads and writes go straight to guest memory
 * through each descriptor's {@link io.virtiofs.transport.memory.GuestRegion} segment, so every
 * access is still checked against the region and fails with an exception once its memory is
 * gone.
 *
 * <p>One object per chain head and direction, retargeted to the next chain popped under that
 * head: retargeting writes a few array slots and allocates nothing, whichever buffers the driver
 * posts. Its capacity is fixed (the part's bytes); it is never freed (reference counting is a
 * no-op: the memory is the guest's). The bulk channel and {@code nioBuffer} methods allocate
 * {@link ByteBuffer}s over guest memory; the field and byte-array accessors do not.
 *
 * <p>Not thread-safe, as netty buffers are not.
 */
final class ChainBuffer extends AbstractByteBuf {

    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int STREAM_CHUNK = 8192;

    private final boolean readOnly;
    private final ScatterList parts = new ScatterList();
    /**
     * The part of the last access, whose place is also kept in the {@code hot} fields: accesses
     * mostly stay in one part, and there they cost two comparisons and the segment access.
     */
    private int cursor;
    private MemorySegment hotBase = MemorySegment.NULL;
    private long hotDelta;
    private int hotStart;
    private int hotEnd;

    ChainBuffer(boolean readOnly) {
        super(0);
        this.readOnly = readOnly;
    }

    // ---- retargeting (the owning chain only) ----

    /** Forgets the parts: the buffer is empty until {@link #addPart} and {@link #seal}. */
    void clearParts() {
        parts.clear();
        cursor = 0;
        hotBase = MemorySegment.NULL;
        hotStart = 0;
        hotEnd = 0;
        hotDelta = 0;
    }

    /**
     * Appends {@code length} bytes of {@code base} from {@code offset}; the caller checked that
     * they lie inside it.
     */
    void addPart(MemorySegment base, long offset, int length) {
        parts.add(base, offset, length);
    }

    /**
     * Fixes the capacity at the parts' total and sets the indexes: a readable part is all
     * readable, a writable part empty.
     */
    void seal() {
        if (parts.count() > 0) {
            moveCursor(0);
        }
        maxCapacity(parts.total());
        setIndex(0, readOnly ? parts.total() : 0);
    }

    // ---- locating an index ----

    /** Moves the cursor to the part holding {@code index}, which the caller checked is below the capacity. */
    private void seek(int index) {
        int p = parts.partOf(index, cursor);
        if (p != cursor) {
            moveCursor(p);
        }
    }

    private void moveCursor(int p) {
        cursor = p;
        hotBase = parts.base(p);
        hotStart = parts.start(p);
        hotEnd = parts.end(p);
        hotDelta = parts.delta(p);
    }

    /** Whether {@code width} bytes from {@code index} lie in the cursor's part. */
    private boolean hot(int index, int width) {
        return index >= hotStart && hotEnd - index >= width;
    }

    private void requireWritable() {
        if (readOnly) {
            throw new ReadOnlyBufferException();
        }
    }

    /** A value outside the cursor's part: moves the cursor, reads, or assembles it byte by byte. */
    private long load(int index, int width, boolean littleEndian) {
        seek(index);
        if (hot(index, width)) {
            long at = hotDelta + index;
            return switch (width) {
                case 1 -> hotBase.get(ValueLayout.JAVA_BYTE, at);
                case 2 -> hotBase.get(littleEndian ? SHORT_LE : SHORT_BE, at);
                case 4 -> hotBase.get(littleEndian ? INT_LE : INT_BE, at);
                case 8 -> hotBase.get(littleEndian ? LONG_LE : LONG_BE, at);
                default -> bytewise(index, width, littleEndian);
            };
        }
        return bytewise(index, width, littleEndian);
    }

    private long bytewise(int index, int width, boolean littleEndian) {
        long value = 0;
        for (int i = 0; i < width; i++) {
            long b = _getByte(index + i) & 0xffL;
            value |= littleEndian ? b << (8 * i) : b << (8 * (width - 1 - i));
        }
        return value;
    }

    /** A value outside the cursor's part: moves the cursor, writes, or splits it byte by byte. */
    private void store(int index, int width, long value, boolean littleEndian) {
        requireWritable();
        seek(index);
        if (hot(index, width)) {
            long at = hotDelta + index;
            switch (width) {
                case 1 -> hotBase.set(ValueLayout.JAVA_BYTE, at, (byte) value);
                case 2 -> hotBase.set(littleEndian ? SHORT_LE : SHORT_BE, at, (short) value);
                case 4 -> hotBase.set(littleEndian ? INT_LE : INT_BE, at, (int) value);
                case 8 -> hotBase.set(littleEndian ? LONG_LE : LONG_BE, at, value);
                default -> storeBytewise(index, width, value, littleEndian);
            }
            return;
        }
        storeBytewise(index, width, value, littleEndian);
    }

    private void storeBytewise(int index, int width, long value, boolean littleEndian) {
        for (int i = 0; i < width; i++) {
            int shift = littleEndian ? 8 * i : 8 * (width - 1 - i);
            _setByte(index + i, (int) (value >>> shift));
        }
    }

    // ---- field access: the cursor's part first, the general path otherwise ----

    @Override
    protected byte _getByte(int index) {
        if (!hot(index, 1)) {
            seek(index);
        }
        return hotBase.get(ValueLayout.JAVA_BYTE, hotDelta + index);
    }

    @Override
    protected short _getShort(int index) {
        return hot(index, 2) ? hotBase.get(SHORT_BE, hotDelta + index) : (short) load(index, 2, false);
    }

    @Override
    protected short _getShortLE(int index) {
        return hot(index, 2) ? hotBase.get(SHORT_LE, hotDelta + index) : (short) load(index, 2, true);
    }

    @Override
    protected int _getUnsignedMedium(int index) {
        return (int) load(index, 3, false);
    }

    @Override
    protected int _getUnsignedMediumLE(int index) {
        return (int) load(index, 3, true);
    }

    @Override
    protected int _getInt(int index) {
        return hot(index, 4) ? hotBase.get(INT_BE, hotDelta + index) : (int) load(index, 4, false);
    }

    @Override
    protected int _getIntLE(int index) {
        return hot(index, 4) ? hotBase.get(INT_LE, hotDelta + index) : (int) load(index, 4, true);
    }

    @Override
    protected long _getLong(int index) {
        return hot(index, 8) ? hotBase.get(LONG_BE, hotDelta + index) : load(index, 8, false);
    }

    @Override
    protected long _getLongLE(int index) {
        return hot(index, 8) ? hotBase.get(LONG_LE, hotDelta + index) : load(index, 8, true);
    }

    @Override
    protected void _setByte(int index, int value) {
        requireWritable();
        if (!hot(index, 1)) {
            seek(index);
        }
        hotBase.set(ValueLayout.JAVA_BYTE, hotDelta + index, (byte) value);
    }

    @Override
    protected void _setShort(int index, int value) {
        if (readOnly || !hot(index, 2)) {
            store(index, 2, value, false);
            return;
        }
        hotBase.set(SHORT_BE, hotDelta + index, (short) value);
    }

    @Override
    protected void _setShortLE(int index, int value) {
        if (readOnly || !hot(index, 2)) {
            store(index, 2, value, true);
            return;
        }
        hotBase.set(SHORT_LE, hotDelta + index, (short) value);
    }

    @Override
    protected void _setMedium(int index, int value) {
        store(index, 3, value, false);
    }

    @Override
    protected void _setMediumLE(int index, int value) {
        store(index, 3, value, true);
    }

    @Override
    protected void _setInt(int index, int value) {
        if (readOnly || !hot(index, 4)) {
            store(index, 4, value, false);
            return;
        }
        hotBase.set(INT_BE, hotDelta + index, value);
    }

    @Override
    protected void _setIntLE(int index, int value) {
        if (readOnly || !hot(index, 4)) {
            store(index, 4, value, true);
            return;
        }
        hotBase.set(INT_LE, hotDelta + index, value);
    }

    @Override
    protected void _setLong(int index, long value) {
        if (readOnly || !hot(index, 8)) {
            store(index, 8, value, false);
            return;
        }
        hotBase.set(LONG_BE, hotDelta + index, value);
    }

    @Override
    protected void _setLongLE(int index, long value) {
        if (readOnly || !hot(index, 8)) {
            store(index, 8, value, true);
            return;
        }
        hotBase.set(LONG_LE, hotDelta + index, value);
    }

    // ---- bulk transfers ----

    @Override
    public ByteBuf getBytes(int index, byte[] dst, int dstIndex, int length) {
        checkDstIndex(index, length, dstIndex, dst.length);
        parts.copyOut(index, dst, dstIndex, length);
        return this;
    }

    @Override
    public ByteBuf setBytes(int index, byte[] src, int srcIndex, int length) {
        requireWritable();
        checkSrcIndex(index, length, srcIndex, src.length);
        parts.copyIn(index, src, srcIndex, length);
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, ByteBuf dst, int dstIndex, int length) {
        checkDstIndex(index, length, dstIndex, dst.capacity());
        if (dst.hasArray()) {
            return getBytes(index, dst.array(), dst.arrayOffset() + dstIndex, length);
        }
        if (dst instanceof ChainBuffer chain) {
            chain.requireWritable();
            parts.copyTo(index, chain.parts, dstIndex, length);
            return this;
        }
        if (dst.nioBufferCount() > 0) {
            for (ByteBuffer target : dst.nioBuffers(dstIndex, length)) {
                int n = target.remaining();
                parts.copy(index, MemorySegment.ofBuffer(target), 0, n, false);
                index += n;
            }
            return this;
        }
        for (int i = 0; i < length; i++) {
            dst.setByte(dstIndex + i, _getByte(index + i));
        }
        return this;
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuf src, int srcIndex, int length) {
        requireWritable();
        checkSrcIndex(index, length, srcIndex, src.capacity());
        if (src.hasArray()) {
            return setBytes(index, src.array(), src.arrayOffset() + srcIndex, length);
        }
        if (src instanceof ChainBuffer chain) {
            chain.getBytes(srcIndex, this, index, length);
            return this;
        }
        if (src.nioBufferCount() > 0) {
            for (ByteBuffer source : src.nioBuffers(srcIndex, length)) {
                int n = source.remaining();
                parts.copy(index, MemorySegment.ofBuffer(source), 0, n, true);
                index += n;
            }
            return this;
        }
        for (int i = 0; i < length; i++) {
            _setByte(index + i, src.getByte(srcIndex + i));
        }
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, ByteBuffer dst) {
        int length = dst.remaining();
        checkIndex(index, length);
        parts.copy(index, MemorySegment.ofBuffer(dst), 0, length, false);
        dst.position(dst.position() + length);
        return this;
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuffer src) {
        requireWritable();
        int length = src.remaining();
        checkIndex(index, length);
        parts.copy(index, MemorySegment.ofBuffer(src), 0, length, true);
        src.position(src.position() + length);
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, OutputStream out, int length) throws IOException {
        checkIndex(index, length);
        byte[] chunk = new byte[Math.min(length, STREAM_CHUNK)];
        while (length > 0) {
            int n = Math.min(length, chunk.length);
            getBytes(index, chunk, 0, n);
            out.write(chunk, 0, n);
            index += n;
            length -= n;
        }
        return this;
    }

    @Override
    public int setBytes(int index, InputStream in, int length) throws IOException {
        requireWritable();
        checkIndex(index, length);
        byte[] chunk = new byte[length];
        int read = in.read(chunk, 0, length);
        if (read > 0) {
            setBytes(index, chunk, 0, read);
        }
        return read;
    }

    @Override
    public int getBytes(int index, GatheringByteChannel out, int length) throws IOException {
        checkIndex(index, length);
        return length == 0 ? 0 : (int) out.write(nioBuffers(index, length));
    }

    @Override
    public int setBytes(int index, ScatteringByteChannel in, int length) throws IOException {
        requireWritable();
        checkIndex(index, length);
        try {
            return length == 0 ? 0 : (int) in.read(nioBuffers(index, length));
        } catch (ClosedChannelException e) {
            return -1;
        }
    }

    @Override
    public int getBytes(int index, FileChannel out, long position, int length) throws IOException {
        checkIndex(index, length);
        return ScatterList.write(out, position, nioBuffers(index, length));
    }

    @Override
    public int setBytes(int index, FileChannel in, long position, int length) throws IOException {
        requireWritable();
        checkIndex(index, length);
        return ScatterList.read(in, position, nioBuffers(index, length));
    }

    @Override
    public ByteBuf copy(int index, int length) {
        checkIndex(index, length);
        ByteBuf copy = Unpooled.buffer(length);
        getBytes(index, copy.array(), copy.arrayOffset(), length);
        return copy.writerIndex(length);
    }

    // ---- NIO views (allocate) ----

    @Override
    public int nioBufferCount() {
        return Math.max(parts.count(), 1);
    }

    @Override
    public ByteBuffer nioBuffer(int index, int length) {
        checkIndex(index, length);
        if (length == 0) {
            return ByteBuffer.allocate(0);
        }
        int p = parts.partOf(index, cursor);
        if (parts.end(p) - index >= length) {
            return parts.buffer(p, index, length, readOnly);
        }
        ByteBuffer merged = ByteBuffer.allocate(length);
        parts.copyOut(index, merged.array(), 0, length);
        return merged;
    }

    @Override
    public ByteBuffer internalNioBuffer(int index, int length) {
        return nioBuffer(index, length);
    }

    @Override
    public ByteBuffer[] nioBuffers(int index, int length) {
        checkIndex(index, length);
        return parts.buffers(index, length, readOnly);
    }

    // ---- what kind of buffer this is ----

    @Override
    public int capacity() {
        return parts.total();
    }

    @Override
    public ByteBuf capacity(int newCapacity) {
        if (newCapacity != parts.total()) {
            throw new UnsupportedOperationException("a descriptor chain's buffer keeps its " + parts.total() + " bytes");
        }
        return this;
    }

    @Override
    public ByteBufAllocator alloc() {
        return UnpooledByteBufAllocator.DEFAULT;
    }

    @Override
    @SuppressWarnings("deprecation")
    public ByteOrder order() {
        return ByteOrder.BIG_ENDIAN;
    }

    @Override
    public @Nullable ByteBuf unwrap() {
        return null;
    }

    @Override
    public boolean isDirect() {
        return true;
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public boolean isContiguous() {
        return parts.count() <= 1;
    }

    @Override
    public boolean hasArray() {
        return false;
    }

    @Override
    public byte[] array() {
        throw new UnsupportedOperationException("guest memory has no array");
    }

    @Override
    public int arrayOffset() {
        throw new UnsupportedOperationException("guest memory has no array");
    }

    @Override
    public boolean hasMemoryAddress() {
        return false;
    }

    @Override
    public long memoryAddress() {
        throw new UnsupportedOperationException("guest memory is reached through its segments");
    }

    // ---- reference counting: the memory is the guest's, never freed here ----

    @Override
    public int refCnt() {
        return 1;
    }

    @Override
    public ByteBuf retain(int increment) {
        return this;
    }

    @Override
    public ByteBuf retain() {
        return this;
    }

    @Override
    public ByteBuf touch() {
        return this;
    }

    @Override
    public ByteBuf touch(Object hint) {
        return this;
    }

    @Override
    public boolean release() {
        return false;
    }

    @Override
    public boolean release(int decrement) {
        return false;
    }
}
