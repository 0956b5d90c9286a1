package io.virtiofs.testkit.protocol.message;

import static io.virtiofs.testkit.protocol.message.RequestErrorsTest.ascii;
import static io.virtiofs.testkit.protocol.message.RequestErrorsTest.concat;
import static io.virtiofs.testkit.protocol.message.RequestErrorsTest.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.Unpooled;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.SecurityLabel;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.RequestExtensions;
import io.virtiofs.testkit.wire.Requests;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code fuse_ext_header} chain: security labels and supplementary groups. */
class RequestExtensionsTest {

    private static final WireFormat LE = WireFormat.current(WireOrder.LITTLE_ENDIAN);
    private static final WireFormat BE = WireFormat.current(WireOrder.BIG_ENDIAN);

    private static final byte[] GROUPS_7_8 = hex("18000000 20000000 02000000 07000000 08000000 00000000");
    private static final byte[] LABEL = concat(hex("20000000 01000000 02000000 00000000"), ascii("security.x\0ab"),
            new byte[3]);

    private static RequestExtensions decode(byte[] bytes) {
        return RequestExtensions.decode(Unpooled.wrappedBuffer(bytes), LE);
    }

    private static Errno errnoOf(byte[] bytes) {
        return assertThrows(MalformedRequestException.class, () -> decode(bytes), () -> Encoded.hex(bytes)).errno();
    }

    @Test
    void groupsAndLabelsEncodeAsLinuxSendsThem() {
        RequestExtensions groups = new RequestExtensions(List.of(), new int[] {7, 8});
        assertArrayEquals(GROUPS_7_8, Encoded.bytes(out -> Requests.encode(groups, out, LE)));
        assertEquals(24, Requests.encodedSize(groups));
        assertArrayEquals(hex("00000018 00000020 00000002 00000007 00000008 00000000"),
                Encoded.bytes(out -> Requests.encode(groups, out, BE)));
        RequestExtensions label = new RequestExtensions(List.of(new SecurityLabel("security.x", ascii("ab"))),
                new int[0]);
        assertArrayEquals(LABEL, Encoded.bytes(out -> Requests.encode(label, out, LE)));
        RequestExtensions both = new RequestExtensions(label.securityLabels(), new int[] {7, 8});
        assertArrayEquals(concat(LABEL, GROUPS_7_8), Encoded.bytes(out -> Requests.encode(both, out, LE)));
        assertArrayEquals(new byte[0], Encoded.bytes(out -> Requests.encode(RequestExtensions.NONE, out, LE)));
    }

    @Test
    void decodingReadsTheChain() {
        assertSame(RequestExtensions.NONE, decode(new byte[0]));
        assertEquals(new RequestExtensions(List.of(new SecurityLabel("security.x", ascii("ab"))), new int[] {7, 8}),
                decode(concat(LABEL, GROUPS_7_8)));
        assertEquals(new RequestExtensions(List.of(), new int[] {7, 8}), decode(concat(GROUPS_7_8)));
        // A security context header with no context: an LSM that labels nothing.
        assertEquals(RequestExtensions.NONE, decode(hex("08000000 00000000")));
        // Unknown types are skipped.
        assertEquals(new RequestExtensions(List.of(), new int[] {7, 8}),
                decode(concat(hex("10000000 21000000 ffffffffffffffff"), GROUPS_7_8)));
    }

    @Test
    void sizesThatDoNotFitAreEinval() {
        assertEquals(Errno.EINVAL, errnoOf(hex("04000000 20000000")), "size below the header");
        assertEquals(Errno.EINVAL, errnoOf(hex("0c000000 20000000 00000000")), "size not a multiple of 8");
        assertEquals(Errno.EINVAL, errnoOf(hex("18000000 20000000 00000000")), "size past the end");
        assertEquals(Errno.EINVAL, errnoOf(hex("08000000")), "a partial header");
        assertEquals(Errno.EINVAL, errnoOf(concat(GROUPS_7_8, hex("00000000"))), "bytes after the chain");
        assertEquals(Errno.EINVAL, errnoOf(hex("10000000 20000000 03000000 07000000")), "3 groups in 8 bytes");
        assertEquals(Errno.EINVAL, errnoOf(hex("10000000 20000000 ffffffff 07000000")), "absurd group count");
        assertEquals(Errno.EINVAL, errnoOf(concat(GROUPS_7_8, GROUPS_7_8)), "two group extensions");
        assertEquals(Errno.EINVAL, errnoOf(concat(LABEL, LABEL)), "two security contexts");
        byte[] valueTooLong = LABEL.clone();
        valueTooLong[8] = 20;
        assertEquals(Errno.EINVAL, errnoOf(valueTooLong), "label longer than its extension");
        assertEquals(Errno.EINVAL, errnoOf(concat(hex("18000000 01000000 02000000 00000000"),
                ascii("security"))), "label name without NUL");
        assertEquals(Errno.EINVAL, errnoOf(concat(hex("10000000 02000000 00000000 00000000"))),
                "two labels announced, none there");
        assertEquals(Errno.EINVAL, errnoOf(concat(hex("18000000 01000000 00000000 00000000"), new byte[8])),
                "empty label name");
    }

    @Test
    void theRecordKeepsItsOwnCopies() {
        int[] groups = {1, 2};
        RequestExtensions extensions = new RequestExtensions(List.of(), groups);
        groups[0] = 9;
        extensions.supplementaryGroups()[1] = 9;
        assertArrayEquals(new int[] {1, 2}, extensions.supplementaryGroups());
        assertEquals(2, extensions.supplementaryGroupCount());
        assertEquals(2, extensions.supplementaryGroup(1));
        assertEquals(new RequestExtensions(List.of(), new int[] {1, 2}).hashCode(), extensions.hashCode());
        assertNotEquals(new RequestExtensions(List.of(), new int[] {1}), extensions);
    }

    @Test
    void programmingErrorsAreIllegalArguments() {
        SecurityLabel label = new SecurityLabel("security.x", new byte[0]);
        assertThrows(IllegalArgumentException.class,
                () -> new RequestExtensions(Collections.nCopies(32, label), new int[0]));
        // A label's name is an XattrName, which checks itself as setxattr(2) does.
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class,
                () -> new SecurityLabel("a\0b", new byte[0])).errno());
        assertEquals(Errno.ERANGE, assertThrows(ErrnoException.class,
                () -> new SecurityLabel("s".repeat(256), new byte[0])).errno());
    }
}
