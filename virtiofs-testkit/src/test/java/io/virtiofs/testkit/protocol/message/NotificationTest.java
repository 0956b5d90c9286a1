package io.virtiofs.testkit.protocol.message;

import static io.virtiofs.testkit.protocol.message.RequestErrorsTest.ascii;
import static io.virtiofs.testkit.protocol.message.RequestErrorsTest.concat;
import static io.virtiofs.testkit.protocol.message.RequestErrorsTest.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.Unpooled;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FileName;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.NotifyCode;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.NotifyIncEpochOut;
import io.virtiofs.protocol.message.NotifyInvalEntryOut;
import io.virtiofs.protocol.message.NotifyResendOut;
import io.virtiofs.testkit.wire.Notifications;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Notification codes, whole notification messages and their errors. */
class NotificationTest {

    private static final WireFormat LE = WireFormat.current(WireOrder.LITTLE_ENDIAN);

    private static Errno errnoOf(byte[] whole) {
        return assertThrows(MalformedRequestException.class,
                () -> Notifications.decodeMessage(Unpooled.wrappedBuffer(whole), LE), () -> Encoded.hex(whole))
                .errno();
    }

    @Test
    void codesAreTheKernels() {
        assertEquals(Optional.empty(), NotifyCode.of(0));
        assertEquals(Optional.empty(), NotifyCode.of(10));
        assertEquals(Optional.empty(), NotifyCode.of(-1));
        int code = 1;
        for (NotifyCode notifyCode : NotifyCode.values()) {
            assertEquals(code, notifyCode.code());
            assertEquals(Optional.of(notifyCode), NotifyCode.of(code));
            code++;
        }
        assertEquals(NotifyCode.MAX_CODE, NotifyCode.PRUNE.code());
    }

    @Test
    void messagesWithoutABodyAreAHeader() {
        assertArrayEquals(hex("10000000 07000000 0000000000000000"),
                Encoded.bytes(out -> NotifyResendOut.INSTANCE.encodeMessage(out, LE)));
        assertArrayEquals(hex("00000010 00000008 0000000000000000"), Encoded.bytes(out ->
                NotifyIncEpochOut.INSTANCE.encodeMessage(out, WireFormat.current(WireOrder.BIG_ENDIAN))));
        assertEquals(NotifyResendOut.INSTANCE,
                Notifications.decodeMessage(Unpooled.wrappedBuffer(hex("10000000 07000000 0000000000000000")), LE));
    }

    @Test
    void anInvalEntryNamesItsNameWithLengthAndNul() {
        NotifyInvalEntryOut inval = new NotifyInvalEntryOut(1, NotifyInvalEntryOut.EXPIRE_ONLY, FileName.of("ab"));
        byte[] whole = hex("23000000 03000000 0000000000000000 0100000000000000 02000000 01000000 616200");
        assertArrayEquals(whole, Encoded.bytes(out -> inval.encodeMessage(out, LE)));
        assertEquals(inval, Notifications.decodeMessage(Unpooled.wrappedBuffer(whole), LE));
    }

    @Test
    void malformedNotificationsAreEinval() {
        assertEquals(Errno.EINVAL, errnoOf(new byte[15]), "shorter than a header");
        assertEquals(Errno.EINVAL, errnoOf(hex("11000000 07000000 0000000000000000")), "len past the end");
        assertEquals(Errno.EINVAL, errnoOf(hex("10000000 07000000 0100000000000000")), "unique is not 0");
        assertEquals(Errno.EINVAL, errnoOf(hex("10000000 0a000000 0000000000000000")), "code 10");
        assertEquals(Errno.EINVAL, errnoOf(hex("10000000 00000000 0000000000000000")), "code 0");
        assertEquals(Errno.EINVAL, errnoOf(hex("10000000 feffffff 0000000000000000")), "an error, not a code");

        byte[] entryHead = hex("0100000000000000");
        assertEquals(Errno.EINVAL, errnoOf(message(3, concat(entryHead, hex("02000000 00000000"), ascii("ab")))),
                "name without NUL");
        assertEquals(Errno.EINVAL, errnoOf(message(3, concat(entryHead, hex("03000000 00000000"), ascii("ab\0")))),
                "namelen past the name");
        assertEquals(Errno.EINVAL, errnoOf(message(3, concat(entryHead, hex("02000000 00000000"), ascii("abc")))),
                "no NUL at namelen");
        assertEquals(Errno.ENAMETOOLONG, errnoOf(message(6, concat(entryHead, entryHead, hex("00010000 00000000"),
                new byte[257]))), "namelen 256");
        assertEquals(Errno.EINVAL, errnoOf(message(4, concat(entryHead, entryHead, hex("05000000 00000000"),
                ascii("abc")))), "store size past the data");
        assertEquals(Errno.EINVAL, errnoOf(message(9, concat(hex("02000000 00000000 0000000000000000"),
                entryHead))), "prune count past the ids");
        assertEquals(Errno.EINVAL, errnoOf(message(9, concat(hex("ffffffff 00000000 0000000000000000"),
                entryHead))), "absurd prune count");
        assertEquals(Errno.EINVAL, errnoOf(message(1, hex("01020304"))), "poll too short");
    }

    private static byte[] message(int code, byte[] body) {
        return Encoded.bytes(out -> {
            io.virtiofs.protocol.OutHeader.encode(out, LE.order(), 16 + body.length, code, 0);
            out.writeBytes(body);
        });
    }
}
