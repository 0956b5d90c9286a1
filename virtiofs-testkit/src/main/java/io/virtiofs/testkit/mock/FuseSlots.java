package io.virtiofs.testkit.mock;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The request slots of one queue of a {@link MockDriver}: a request buffer and a reply buffer in
 * guest memory per slot, with reusable views, and which chain head carries which slot.
 */
final class FuseSlots {

    private final long[] requestAddresses;
    private final long[] replyAddresses;
    private final MemorySegment[] requestMemory;
    private final ByteBuf[] requestViews;
    private final ByteBuf[] replyViews;
    private final int[] freeSlots;
    private int freeCount;
    private final int[] slotOfHead;

    FuseSlots(DriverMemory memory, MockDriver.Options options, int queueSize) {
        int count = options.slots();
        requestAddresses = new long[count];
        replyAddresses = new long[count];
        requestMemory = new MemorySegment[count];
        requestViews = new ByteBuf[count];
        replyViews = new ByteBuf[count];
        freeSlots = new int[count];
        for (int i = 0; i < count; i++) {
            requestAddresses[i] = memory.allocate(options.requestBytes(), 64);
            replyAddresses[i] = memory.allocate(options.replyBytes(), 64);
            requestMemory[i] = memory.segment(requestAddresses[i], options.requestBytes());
            requestViews[i] = Unpooled.wrappedBuffer(requestMemory[i].asByteBuffer());
            replyViews[i] = Unpooled.wrappedBuffer(memory.segment(replyAddresses[i], options.replyBytes())
                    .asByteBuffer());
            freeSlots[i] = count - 1 - i;
        }
        freeCount = count;
        slotOfHead = new int[queueSize];
        Arrays.fill(slotOfHead, -1);
    }

    int inFlight() {
        return freeSlots.length - freeCount;
    }

    int acquire() {
        if (freeCount == 0) {
            throw new IllegalStateException("all " + freeSlots.length + " request slots are in flight");
        }
        return freeSlots[--freeCount];
    }

    void bind(int head, int slot) {
        slotOfHead[head] = slot;
    }

    /** Frees the slot the chain at {@code head} carried and returns it. */
    int release(int head) {
        int slot = slotOfHead[head];
        if (slot < 0) {
            throw new IllegalStateException("used head " + head + " carries no request");
        }
        slotOfHead[head] = -1;
        freeSlots[freeCount++] = slot;
        return slot;
    }

    void copyRequest(int slot, ByteBuf request) {
        int length = request.readableBytes();
        if (request.hasArray()) {
            // Straight from the array: netty's buffer-to-buffer copy wraps a ByteBuffer per call.
            MemorySegment.copy(request.array(), request.arrayOffset() + request.readerIndex(), requestMemory[slot],
                    ValueLayout.JAVA_BYTE, 0, length);
        } else {
            requestViews[slot].setIndex(0, 0).writeBytes(request, request.readerIndex(), length);
        }
    }

    long requestAddress(int slot) {
        return requestAddresses[slot];
    }

    long replyAddress(int slot) {
        return replyAddresses[slot];
    }

    /** The reply view of {@code slot}, holding {@code length} bytes. */
    ByteBuf reply(int slot, int length) {
        return replyViews[slot].setIndex(0, length);
    }
}
