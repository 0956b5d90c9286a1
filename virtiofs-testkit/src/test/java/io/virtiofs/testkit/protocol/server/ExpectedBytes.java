package io.virtiofs.testkit.protocol.server;

import io.virtiofs.protocol.WireOrder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Builds expected reply bytes field by field with java.nio's byte order, independently of the
 * codecs under test.
 */
final class ExpectedBytes {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteOrder order;

    ExpectedBytes(WireOrder order) {
        this.order = order == WireOrder.LITTLE_ENDIAN ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
    }

    ExpectedBytes u16(int value) {
        out.writeBytes(ByteBuffer.allocate(2).order(order).putShort((short) value).array());
        return this;
    }

    ExpectedBytes u32(long value) {
        out.writeBytes(ByteBuffer.allocate(4).order(order).putInt((int) value).array());
        return this;
    }

    ExpectedBytes u64(long value) {
        out.writeBytes(ByteBuffer.allocate(8).order(order).putLong(value).array());
        return this;
    }

    ExpectedBytes bytes(byte[] value) {
        out.writeBytes(value);
        return this;
    }

    ExpectedBytes zeros(int count) {
        out.writeBytes(new byte[count]);
        return this;
    }

    /** fuse_out_header with the length of everything that follows plus 16. */
    static ExpectedBytes reply(WireOrder order, ExpectedBytes body, int error, long unique) {
        byte[] bodyBytes = body.toByteArray();
        return new ExpectedBytes(order).u32(16 + bodyBytes.length).u32(error).u64(unique).bytes(bodyBytes);
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
