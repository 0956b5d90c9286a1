package io.virtiofs.testkit.protocol.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.Unpooled;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FileName;
import io.virtiofs.api.XattrName;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.BatchForgetIn;
import io.virtiofs.protocol.message.CreateIn;
import io.virtiofs.protocol.message.EmptyIn;
import io.virtiofs.protocol.message.ForgetIn;
import io.virtiofs.protocol.message.ForgetOne;
import io.virtiofs.protocol.message.FuseRequest;
import io.virtiofs.protocol.message.GetxattrIn;
import io.virtiofs.protocol.message.IoctlIn;
import io.virtiofs.protocol.message.LinkIn;
import io.virtiofs.protocol.message.LkIn;
import io.virtiofs.protocol.message.MkdirIn;
import io.virtiofs.protocol.message.MknodIn;
import io.virtiofs.protocol.message.NameIn;
import io.virtiofs.protocol.message.NotifyReplyIn;
import io.virtiofs.protocol.message.RemovemappingIn;
import io.virtiofs.protocol.message.RemovemappingOne;
import io.virtiofs.protocol.message.RemovexattrIn;
import io.virtiofs.protocol.message.Rename2In;
import io.virtiofs.protocol.message.RenameIn;
import io.virtiofs.protocol.message.RequestDecoder;
import io.virtiofs.protocol.message.SetxattrIn;
import io.virtiofs.protocol.message.SymlinkIn;
import io.virtiofs.protocol.message.TmpfileIn;
import io.virtiofs.protocol.message.WriteIn;
import io.virtiofs.testkit.support.Seeds;
import io.virtiofs.testkit.wire.Requests;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The exact errno of each kind of malformed request body. */
class RequestErrorsTest {

    private static final WireFormat LE = WireFormat.current(WireOrder.LITTLE_ENDIAN);

    static Errno errnoOf(Opcode opcode, byte[] body, WireFormat format) {
        return assertThrows(MalformedRequestException.class,
                () -> RequestDecoder.decode(opcode, Unpooled.wrappedBuffer(body), format),
                () -> opcode + " of " + Encoded.hex(body)).errno();
    }

    static Errno errnoOf(Opcode opcode, byte[] body) {
        return errnoOf(opcode, body, LE);
    }

    static FuseRequest decode(Opcode opcode, byte[] body, WireFormat format) {
        return RequestDecoder.decode(opcode, Unpooled.wrappedBuffer(body), format);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] repeat(char c, int count) {
        byte[] bytes = new byte[count];
        Arrays.fill(bytes, (byte) c);
        return bytes;
    }

    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    /** A request's body up to (not including) its last name, which was "x" and its NUL. */
    private static byte[] prefixBeforeLastName(Opcode opcode, FuseRequest withNameX) {
        byte[] bytes = Encoded.bytes(out -> Requests.encode(withNameX, out, LE));
        assertEquals("x\0", new String(bytes, bytes.length - 2, 2, StandardCharsets.ISO_8859_1), opcode.name());
        return Arrays.copyOf(bytes, bytes.length - 2);
    }

    private static List<Object[]> lastNameRequests() {
        FileName x = FileName.of("x");
        FileName o = FileName.of("o");
        return List.of(new Object[] {Opcode.LOOKUP, new NameIn(x)}, new Object[] {Opcode.UNLINK, new NameIn(x)},
                new Object[] {Opcode.RMDIR, new NameIn(x)}, new Object[] {Opcode.MKNOD, new MknodIn(1, 2, 3, x)},
                new Object[] {Opcode.MKDIR, new MkdirIn(1, 2, x)}, new Object[] {Opcode.LINK, new LinkIn(9, x)},
                new Object[] {Opcode.CREATE, new CreateIn(1, 2, 3, 4, x)},
                new Object[] {Opcode.RENAME, new RenameIn(9, o, x)},
                new Object[] {Opcode.RENAME2, new Rename2In(9, 1, o, x)});
    }

    @Test
    void namesNeedTheirNulAndAtMost255Bytes() {
        for (Object[] request : lastNameRequests()) {
            Opcode opcode = (Opcode) request[0];
            byte[] prefix = prefixBeforeLastName(opcode, (FuseRequest) request[1]);
            assertEquals(Errno.EINVAL, errnoOf(opcode, concat(prefix, ascii("abc"))), opcode + ": no NUL");
            assertEquals(Errno.EINVAL, errnoOf(opcode, concat(prefix, ascii("abc\0z"))), opcode + ": stray byte");
            assertEquals(Errno.EINVAL, errnoOf(opcode, concat(prefix, ascii("\0"))), opcode + ": empty");
            assertEquals(Errno.EINVAL, errnoOf(opcode, concat(prefix, ascii("a/b\0"))), opcode + ": slash");
            assertEquals(Errno.EINVAL, errnoOf(opcode, concat(prefix, repeat('a', 256))), opcode + ": long, no NUL");
            assertEquals(Errno.ENAMETOOLONG, errnoOf(opcode, concat(prefix, repeat('a', 256), new byte[1])),
                    opcode + ": 256 bytes");
            FuseRequest longest = decode(opcode, concat(prefix, repeat('a', 255), new byte[1]), LE);
            assertEquals(255, lastName(longest).length(), opcode + ": 255 bytes is a name");
        }
    }

    private static FileName lastName(FuseRequest request) {
        return switch (request) {
            case NameIn r -> r.name();
            case MknodIn r -> r.name();
            case MkdirIn r -> r.name();
            case LinkIn r -> r.newName();
            case CreateIn r -> r.name();
            case RenameIn r -> r.newName();
            case Rename2In r -> r.newName();
            default -> throw new IllegalArgumentException(request.toString());
        };
    }

    @Test
    void theFirstOfTwoNamesIsCheckedToo() {
        byte[] newdir = hex("0900000000000000");
        assertEquals(Errno.ENAMETOOLONG, errnoOf(Opcode.RENAME, concat(newdir, repeat('a', 256), ascii("\0b\0"))));
        assertEquals(Errno.EINVAL, errnoOf(Opcode.RENAME, concat(newdir, ascii("\0b\0"))));
        assertEquals(Errno.EINVAL, errnoOf(Opcode.RENAME, concat(newdir, ascii("a\0"))), "second name missing");
        assertEquals(Errno.ENAMETOOLONG, errnoOf(Opcode.SYMLINK, concat(repeat('a', 256), ascii("\0t\0"))));
    }

    @Test
    void symlinkTargets() {
        assertEquals(new SymlinkIn(FileName.of("l"), io.virtiofs.api.SymlinkTarget.of("../t")),
                decode(Opcode.SYMLINK, ascii("l\0../t\0"), LE));
        assertEquals(Errno.EINVAL, errnoOf(Opcode.SYMLINK, ascii("l\0../t")), "no NUL");
        assertEquals(Errno.EINVAL, errnoOf(Opcode.SYMLINK, ascii("l\0\0")), "empty");
        assertEquals(Errno.EINVAL, errnoOf(Opcode.SYMLINK, ascii("l\0t\0x")), "stray byte");
        assertEquals(Errno.ENAMETOOLONG, errnoOf(Opcode.SYMLINK, concat(ascii("l\0"), repeat('t', 4096),
                new byte[1])));
        assertEquals(4095, ((SymlinkIn) decode(Opcode.SYMLINK, concat(ascii("l\0"), repeat('t', 4095), new byte[1]),
                LE)).target().length());
    }

    @Test
    void xattrNamesAndValues() {
        byte[] getxattr = hex("10000000 00000000");
        assertEquals(new GetxattrIn(16, "user.a"), decode(Opcode.GETXATTR, concat(getxattr, ascii("user.a\0")), LE));
        assertEquals(Errno.ERANGE, errnoOf(Opcode.GETXATTR, concat(getxattr, repeat('u', 256), new byte[1])));
        assertEquals(Errno.ERANGE, errnoOf(Opcode.GETXATTR, concat(getxattr, new byte[1])), "empty name");
        assertEquals(Errno.EINVAL, errnoOf(Opcode.GETXATTR, concat(getxattr, ascii("user.a"))), "no NUL");
        assertEquals(new GetxattrIn(16, XattrName.of(new byte[] {(byte) 0xff})),
                decode(Opcode.GETXATTR, concat(getxattr, hex("ff00")), LE), "names are bytes, UTF-8 or not");
        assertEquals(Errno.ERANGE, errnoOf(Opcode.REMOVEXATTR, concat(repeat('u', 256), new byte[1])));
        assertEquals(new RemovexattrIn("user.\u00e4"), decode(Opcode.REMOVEXATTR, concat(ascii("user."),
                hex("c3a4 00")), LE));

        byte[] setxattr = hex("03000000 01000000 01000000 00000000");
        assertEquals(new SetxattrIn(3, 1, 1, "user.a", ascii("abc")),
                decode(Opcode.SETXATTR, concat(setxattr, ascii("user.a\0abc")), LE));
        assertEquals(Errno.EINVAL, errnoOf(Opcode.SETXATTR, concat(setxattr, ascii("user.a\0ab"))), "short value");
        assertEquals(Errno.EINVAL, errnoOf(Opcode.SETXATTR, concat(setxattr, ascii("user.a\0abcd"))), "long value");
        assertEquals(Errno.ERANGE, errnoOf(Opcode.SETXATTR, concat(setxattr, repeat('u', 256), ascii("\0abc"))));
        byte[] huge = hex("01000100 00000000 00000000 00000000"); // 65537
        assertEquals(Errno.E2BIG, errnoOf(Opcode.SETXATTR, concat(huge, ascii("user.a\0"), new byte[65537])));
        byte[] max = hex("00000100 00000000 00000000 00000000"); // 65536
        assertEquals(65536, ((SetxattrIn) decode(Opcode.SETXATTR, concat(max, ascii("user.a\0"), new byte[65536]),
                LE)).value().length);

        // Without FUSE_SETXATTR_EXT the struct is 8 bytes: what follows is the name.
        WireFormat compat = new WireFormat(WireOrder.LITTLE_ENDIAN, 45, false);
        assertEquals(new SetxattrIn(3, 2, 0, "user.a", ascii("abc")),
                decode(Opcode.SETXATTR, concat(hex("03000000 02000000"), ascii("user.a\0abc")), compat));
    }

    @Test
    void dataLengthsMustMatchTheirFields() {
        byte[] write = hex("0100000000000000 0200000000000000 03000000 00000000 0000000000000000 00000000 00000000");
        assertEquals(new WriteIn(1, 2, 3, 0, 0, 0, Unpooled.wrappedBuffer(ascii("abc"))),
                decode(Opcode.WRITE, concat(write, ascii("abc")), LE));
        assertEquals(Errno.EINVAL, errnoOf(Opcode.WRITE, concat(write, ascii("ab"))));
        assertEquals(Errno.EINVAL, errnoOf(Opcode.WRITE, concat(write, ascii("abcd"))));
        byte[] hugeWrite = write.clone();
        Arrays.fill(hugeWrite, 16, 20, (byte) 0xff);
        assertEquals(Errno.EINVAL, errnoOf(Opcode.WRITE, concat(hugeWrite, ascii("abc"))));
        // Before 7.9 the struct is 24 bytes.
        WireFormat old = new WireFormat(WireOrder.LITTLE_ENDIAN, 8, false);
        assertEquals(new WriteIn(1, 2, 3, 0, 0, 0, Unpooled.wrappedBuffer(ascii("abc"))),
                decode(Opcode.WRITE, concat(Arrays.copyOf(write, 24), ascii("abc")), old));

        byte[] ioctl = hex("0100000000000000 00000000 05000000 0000000000000000 02000000 08000000");
        assertEquals(new IoctlIn(1, 0, 5, 0, 2, 8, Unpooled.wrappedBuffer(ascii("ab"))),
                decode(Opcode.IOCTL, concat(ioctl, ascii("ab")), LE));
        assertEquals(Errno.EINVAL, errnoOf(Opcode.IOCTL, concat(ioctl, ascii("abc"))));

        byte[] retrieve = hex("0000000000000000 0700000000000000 02000000 00000000 0000000000000000 0000000000000000");
        assertEquals(new NotifyReplyIn(7, 2, Unpooled.wrappedBuffer(ascii("xy"))),
                decode(Opcode.NOTIFY_REPLY, concat(retrieve, ascii("xy")), LE));
        assertEquals(Errno.EINVAL, errnoOf(Opcode.NOTIFY_REPLY, concat(retrieve, ascii("x"))));
    }

    @Test
    void countsMustMatchTheBody() {
        byte[] one = hex("0100000000000000 0200000000000000");
        assertEquals(new BatchForgetIn(List.of(new ForgetOne(1, 2))),
                decode(Opcode.BATCH_FORGET, concat(hex("01000000 00000000"), one), LE));
        assertEquals(new BatchForgetIn(List.of()), decode(Opcode.BATCH_FORGET, hex("00000000 00000000"), LE));
        assertEquals(Errno.EINVAL, errnoOf(Opcode.BATCH_FORGET, concat(hex("02000000 00000000"), one)));
        assertEquals(Errno.EINVAL, errnoOf(Opcode.BATCH_FORGET, concat(hex("ffffffff 00000000"), one)));
        assertEquals(Errno.EINVAL, errnoOf(Opcode.BATCH_FORGET, concat(hex("00000010 00000000"), one)));

        assertEquals(new RemovemappingIn(List.of(new RemovemappingOne(1, 2))),
                decode(Opcode.REMOVEMAPPING, concat(hex("01000000"), one), LE));
        assertEquals(Errno.EINVAL, errnoOf(Opcode.REMOVEMAPPING, concat(hex("02000000"), one)));
        assertEquals(Errno.EINVAL, errnoOf(Opcode.REMOVEMAPPING, concat(hex("ffffffff"), one)));
        byte[] tooMany = new byte[4 + (RemovemappingIn.MAX_COUNT + 1) * RemovemappingOne.SIZE];
        Unpooled.wrappedBuffer(tooMany).setIntLE(0, RemovemappingIn.MAX_COUNT + 1);
        assertEquals(Errno.EINVAL, errnoOf(Opcode.REMOVEMAPPING, tooMany));
    }

    @Test
    void locksMustBeValid() {
        byte[] head = hex("0100000000000000 0200000000000000");
        byte[] tail = hex("01000000 00000000");
        byte[] range = hex("0000000000000000 ffffffffffffff7f");
        assertEquals(new LkIn(1, 2, new io.virtiofs.api.FileLock(0, Long.MAX_VALUE, 1, 7), 1),
                decode(Opcode.SETLK, concat(head, range, hex("01000000 07000000"), tail), LE));
        assertEquals(Errno.EINVAL, errnoOf(Opcode.SETLK, concat(head, range, hex("03000000 07000000"), tail)));
        assertEquals(Errno.EINVAL, errnoOf(Opcode.GETLK, concat(head, hex("0500000000000000 0400000000000000"),
                hex("00000000 07000000"), tail)), "end before start");
        assertEquals(Errno.EINVAL, errnoOf(Opcode.SETLKW, concat(head, hex("ffffffffffffffff ffffffffffffff7f"),
                hex("00000000 07000000"), tail)), "negative start");
    }

    @Test
    void everyBodyCutShortIsEinval() {
        Set<Opcode> lenient = EnumSet.of(Opcode.READLINK, Opcode.STATFS, Opcode.DESTROY, Opcode.TMPFILE);
        Seeds.forEach(4, random -> {
            RandomMessages messages = new RandomMessages(random);
            for (WireFormat format : RoundTripTest.formats()) {
                for (Opcode opcode : Opcode.values()) {
                    if (lenient.contains(opcode) || opcode == Opcode.GETATTR && !format.atLeast(9)) {
                        continue;
                    }
                    FuseRequest request = messages.request(opcode, format);
                    byte[] bytes = Encoded.bytes(out -> Requests.encode(request, out, format));
                    assertEquals(Errno.EINVAL, errnoOf(opcode, Arrays.copyOf(bytes, bytes.length - 1), format),
                            opcode + " in " + format + " of " + request);
                }
            }
        });
    }

    @Test
    void lenientBodiesIgnoreStrayBytes() {
        for (Opcode opcode : List.of(Opcode.READLINK, Opcode.STATFS, Opcode.DESTROY)) {
            assertEquals(EmptyIn.INSTANCE, decode(opcode, ascii("junk"), LE));
        }
        assertEquals(new TmpfileIn(1, 2, 3, 4), decode(Opcode.TMPFILE,
                concat(hex("01000000 02000000 03000000 04000000"), ascii("/\0")), LE));
        assertEquals(new TmpfileIn(1, 2, 3, 4), decode(Opcode.TMPFILE,
                concat(hex("01000000 02000000 03000000 04000000"), ascii("no NUL, a slash/")), LE));
        assertEquals(new ForgetIn(1), decode(Opcode.FORGET, hex("0100000000000000 ff"), LE));
    }
}
