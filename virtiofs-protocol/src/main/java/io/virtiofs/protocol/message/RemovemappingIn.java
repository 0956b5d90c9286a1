package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * FUSE_REMOVEMAPPING's request: {@code struct fuse_removemapping_in} ({@value #SIZE} bytes: the
 * count), then right after it, unaligned, {@code count} {@code struct fuse_removemapping_one}.
 * The count must match the body and be at most {@value #MAX_COUNT}.
 *
 * @param ranges the ranges to unmap
 */
public record RemovemappingIn(List<RemovemappingOne> ranges) implements FuseRequest {

    /** {@code sizeof(struct fuse_removemapping_in)}. */
    public static final int SIZE = 4;

    /**
     * The most ranges in one request: FUSE_REMOVEMAPPING_MAX_ENTRY is a page of ranges, 4096 with
     * 64 KiB pages (256 with 4 KiB pages).
     */
    public static final int MAX_COUNT = 65536 / RemovemappingOne.SIZE;

    public RemovemappingIn {
        ranges = List.copyOf(ranges);
        if (ranges.size() > MAX_COUNT) {
            throw new IllegalArgumentException(ranges.size() + " ranges exceed " + MAX_COUNT);
        }
    }

    public static RemovemappingIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_removemapping_in");
        WireOrder order = format.order();
        long count = order.readUnsignedInt(body);
        if (count > MAX_COUNT) {
            throw MalformedRequestException.invalid("removemapping of " + count + " ranges exceeds " + MAX_COUNT);
        }
        if (count * RemovemappingOne.SIZE != body.readableBytes()) {
            throw MalformedRequestException.invalid("removemapping of " + count + " ranges carries "
                    + body.readableBytes() + " bytes");
        }
        List<RemovemappingOne> ranges = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            ranges.add(RemovemappingOne.decode(body, order));
        }
        return new RemovemappingIn(ranges);
    }

}
