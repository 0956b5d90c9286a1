package io.virtiofs.testkit.protocol.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.Arrays;

/** Checks a {@link LayoutCase} against its layout's bytes in both byte orders. */
final class LayoutAssertions {

    private LayoutAssertions() {
    }

    /**
     * The value the layout stands for encodes to exactly the layout's bytes, says it does (where its
     * type declares a size), and decodes from them, using every byte, to an equal value.
     */
    static void check(LayoutCase testCase, Layout layout) {
        Object value = testCase.build().apply(layout);
        for (WireOrder order : WireOrder.values()) {
            WireFormat format = WireFormat.current(order);
            byte[] expected = layout.bytes(order);
            byte[] actual = Encoded.bytes(out -> testCase.encoder().encode(value, out, format));
            assertBytes(layout, expected, actual, order + " encoding of " + value);
            testCase.declaredSize(value, format).ifPresent(size ->
                    assertEquals(expected.length, size, order + " encodedSize of " + value));
            ByteBuf in = Unpooled.wrappedBuffer(expected);
            Object decoded = testCase.decoder().apply(in, format);
            assertEquals(value, decoded, order + " decoding of " + Encoded.hex(expected));
            assertEquals(0, in.readableBytes(), order + " decoding left bytes of " + Encoded.hex(expected));
        }
    }

    /** Fails naming the first member that differs. */
    static void assertBytes(Layout layout, byte[] expected, byte[] actual, String what) {
        if (Arrays.equals(expected, actual)) {
            return;
        }
        int at = Arrays.mismatch(expected, actual);
        fail(what + ": first difference at byte " + at + ", in " + layout.memberAt(at) + "\n  expected "
                + Encoded.hex(expected) + "\n  actual   " + Encoded.hex(actual));
    }
}
