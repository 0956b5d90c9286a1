package io.virtiofs.testkit.protocol.message;

import static io.virtiofs.testkit.protocol.message.RequestErrorsTest.ascii;
import static io.virtiofs.testkit.protocol.message.RequestErrorsTest.concat;
import static io.virtiofs.testkit.protocol.message.RequestErrorsTest.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FileName;
import io.virtiofs.protocol.InHeader;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.NameIn;
import io.virtiofs.protocol.message.RequestExtensions;
import io.virtiofs.testkit.wire.Requests;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The framing of a whole request: {@code len}, {@code total_extlen}, the opcode. */
class FuseMessageTest {

    private static final WireFormat LE = WireFormat.current(WireOrder.LITTLE_ENDIAN);
    private static final WireFormat BE = WireFormat.current(WireOrder.BIG_ENDIAN);

    private static final FuseMessage LOOKUP_A = FuseMessage.of(Opcode.LOOKUP, 5, 1, new NameIn(FileName.of("a")))
            .withCaller(2, 3, 4);

    private static final byte[] LOOKUP_A_LE = hex("2a000000 01000000 0500000000000000 0100000000000000"
            + " 02000000 03000000 04000000 0000 0000 6100");

    private static Errno errnoOf(byte[] whole) {
        return assertThrows(MalformedRequestException.class,
                () -> FuseMessage.decode(Unpooled.wrappedBuffer(whole), LE)).errno();
    }

    @Test
    void encodingComputesTheLength() {
        assertArrayEquals(LOOKUP_A_LE, Encoded.bytes(out -> Requests.encode(LOOKUP_A, out, LE)));
        assertArrayEquals(hex("0000002a 00000001 0000000000000005 0000000000000001"
                + " 00000002 00000003 00000004 0000 0000 6100"), Encoded.bytes(out -> Requests.encode(LOOKUP_A, out,
                        BE)));
        ByteBuf fresh = Requests.encode(LOOKUP_A, LE);
        try {
            assertEquals(Unpooled.wrappedBuffer(LOOKUP_A_LE), fresh);
        } finally {
            fresh.release();
        }
    }

    @Test
    void encodingComputesTotalExtlenFromTheExtensions() {
        FuseMessage message = LOOKUP_A.withExtensions(new RequestExtensions(List.of(), new int[] {7}));
        assertArrayEquals(hex("3a000000 01000000 0500000000000000 0100000000000000"
                        + " 02000000 03000000 04000000 0200 0000 6100"
                        + " 10000000 20000000 01000000 07000000"),
                Encoded.bytes(out -> Requests.encode(message, out, LE)));
    }

    @Test
    void decodingGivesTheHeaderAsSentAndUsesTheWholeBuffer() {
        ByteBuf in = Unpooled.wrappedBuffer(concat(ascii("skip"), LOOKUP_A_LE));
        in.skipBytes(4);
        FuseMessage decoded = FuseMessage.decode(in, LE);
        assertEquals(new FuseMessage(new InHeader(42, 1, 5, 1, 2, 3, 4, 0), new NameIn(FileName.of("a")),
                RequestExtensions.NONE), decoded);
        assertEquals(0, in.readableBytes());
    }

    @Test
    void theLengthMustMatchTheBytes() {
        assertEquals(Errno.EINVAL, errnoOf(new byte[39]), "shorter than a header");
        assertEquals(Errno.EINVAL, errnoOf(new byte[0]));
        assertEquals(Errno.EINVAL, errnoOf(concat(LOOKUP_A_LE, new byte[1])), "len smaller than the bytes");
        assertEquals(Errno.EINVAL, errnoOf(java.util.Arrays.copyOf(LOOKUP_A_LE, 41)), "len larger than the bytes");
        byte[] negativeLen = LOOKUP_A_LE.clone();
        Unpooled.wrappedBuffer(negativeLen).setIntLE(0, -1);
        assertEquals(Errno.EINVAL, errnoOf(negativeLen));
    }

    @Test
    void theExtensionsMustFitIntoTheLength() {
        byte[] whole = LOOKUP_A_LE.clone();
        Unpooled.wrappedBuffer(whole).setShortLE(36, 1); // 8 bytes of extensions, only 2 after the header
        assertEquals(Errno.EINVAL, errnoOf(whole));
        byte[] max = LOOKUP_A_LE.clone();
        Unpooled.wrappedBuffer(max).setShortLE(36, 0xffff);
        assertEquals(Errno.EINVAL, errnoOf(max));
    }

    @Test
    void aFailedDecodeLeavesTheReaderIndex() {
        byte[] whole = LOOKUP_A_LE.clone();
        whole[whole.length - 1] = 'b'; // the name loses its NUL
        ByteBuf in = Unpooled.wrappedBuffer(whole);
        assertThrows(MalformedRequestException.class, () -> FuseMessage.decode(in, LE));
        assertEquals(0, in.readerIndex());
    }

    @Test
    void unknownOpcodesAreEnosys() {
        for (int opcode : new int[] {0, 7, 19, 54, 4096, -1, Integer.MIN_VALUE}) {
            byte[] whole = LOOKUP_A_LE.clone();
            Unpooled.wrappedBuffer(whole).setIntLE(4, opcode);
            assertEquals(Errno.ENOSYS, errnoOf(whole), "opcode " + opcode);
        }
    }

    @Test
    void theBodyEndsWhereTheExtensionsStart() {
        // LOOKUP's name must end the body: with the extensions cut off by total_extlen it does.
        byte[] whole = Encoded.bytes(out -> Requests.encode(LOOKUP_A.withExtensions(new RequestExtensions(List.of(),
                new int[] {1, 2, 3})), out, LE));
        FuseMessage decoded = FuseMessage.decode(Unpooled.wrappedBuffer(whole), LE);
        assertEquals(new NameIn(FileName.of("a")), decoded.body());
        assertArrayEquals(new int[] {1, 2, 3}, decoded.extensions().supplementaryGroups());
        // Without total_extlen the extensions are stray bytes after the name.
        Unpooled.wrappedBuffer(whole).setShortLE(36, 0);
        assertEquals(Errno.EINVAL, errnoOf(whole));
    }
}
