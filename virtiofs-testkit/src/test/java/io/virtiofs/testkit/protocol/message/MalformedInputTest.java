package io.virtiofs.testkit.protocol.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.Unpooled;
import io.virtiofs.api.Errno;
import io.virtiofs.protocol.InHeader;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.FuseRequest;
import io.virtiofs.protocol.message.RequestDecoder;
import io.virtiofs.protocol.message.RequestExtensions;
import io.virtiofs.testkit.support.Seeds;
import io.virtiofs.testkit.wire.Notifications;
import io.virtiofs.testkit.wire.Requests;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Untrusted bytes never break the decoders: random bytes, truncations at every length, flipped
 * bits and overwritten length fields, names without NUL or too long, absurd counts all give a value
 * or a {@link MalformedRequestException} with EINVAL, ENAMETOOLONG, ENOSYS (or, for xattrs, ERANGE
 * and E2BIG), never another exception and never a hang. Failures name the seed and the input.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MalformedInputTest {

    private static final Set<Errno> ALLOWED = Set.of(Errno.EINVAL, Errno.ENAMETOOLONG, Errno.ENOSYS, Errno.ERANGE,
            Errno.E2BIG);

    private static final List<WireFormat> FORMATS = RoundTripTest.formats();

    /** Decodes, expecting a value or a well-formed error; anything else fails naming the input. */
    static Optional<Object> decodeSafely(String what, byte[] input, Supplier<Object> decode) {
        try {
            return Optional.of(decode.get());
        } catch (MalformedRequestException e) {
            if (!ALLOWED.contains(e.errno())) {
                fail(what + " of " + Encoded.hex(input) + " failed with " + e.errno(), e);
            }
            return Optional.empty();
        } catch (Throwable e) {
            throw new AssertionError(what + " of " + Encoded.hex(input) + " threw " + e, e);
        }
    }

    private static byte[] randomBytes(SplittableRandom random) {
        int length = switch (random.nextInt(4)) {
            case 0 -> random.nextInt(8);
            case 1 -> random.nextInt(64);
            case 2 -> random.nextInt(128);
            default -> random.nextInt(600);
        };
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        if (random.nextBoolean()) {
            for (int i = 0; i < bytes.length; i++) {
                if (random.nextInt(3) == 0) {
                    bytes[i] = (byte) random.nextInt(4); // NULs and tiny counts are more interesting
                }
            }
        }
        return bytes;
    }

    private static WireFormat anyFormat(SplittableRandom random) {
        return FORMATS.get(random.nextInt(FORMATS.size()));
    }

    @Test
    void randomBodiesForEveryOpcode() {
        Seeds.forEach(20, random -> {
            for (Opcode opcode : Opcode.values()) {
                for (int i = 0; i < 20; i++) {
                    byte[] body = randomBytes(random);
                    WireFormat format = anyFormat(random);
                    decodeSafely(opcode + " body", body, () -> RequestDecoder.decode(opcode,
                            Unpooled.wrappedBuffer(body), format)).ifPresent(value -> {
                        // What decoded must encode and decode to itself.
                        FuseRequest request = (FuseRequest) value;
                        byte[] again = Encoded.bytes(out -> Requests.encode(request, out, format));
                        assertEquals(request, RequestDecoder.decode(opcode, Unpooled.wrappedBuffer(again), format));
                    });
                }
            }
        });
    }

    @Test
    void randomWholeMessages() {
        Seeds.forEach(20, random -> {
            for (int i = 0; i < 500; i++) {
                byte[] body = randomBytes(random);
                int length = InHeader.SIZE + body.length;
                int len = random.nextInt(4) == 0 ? random.nextInt() : length;
                int opcode = random.nextInt(8) == 0 ? random.nextInt() : random.nextInt(Opcode.MAX_CODE + 3);
                int extlen = random.nextBoolean() ? 0 : random.nextInt(random.nextBoolean() ? 8 : 0x10000);
                InHeader header = new InHeader(len, opcode, random.nextLong(), random.nextLong(), random.nextInt(),
                        random.nextInt(), random.nextInt(), extlen);
                WireFormat format = anyFormat(random);
                byte[] whole = Encoded.bytes(out -> {
                    Requests.encode(header, out, format.order());
                    out.writeBytes(body);
                });
                decodeSafely("message", whole, () -> FuseMessage.decode(Unpooled.wrappedBuffer(whole), format));
            }
        });
    }

    @Test
    void truncationAtEveryLength() {
        Seeds.forEach(4, random -> {
            RandomMessages messages = new RandomMessages(random);
            for (Opcode opcode : Opcode.values()) {
                WireFormat format = anyFormat(random);
                FuseMessage message = FuseMessage.of(opcode, 7, 1, messages.request(opcode, format))
                        .withExtensions(random.nextInt(3) == 0 ? messages.extensions() : RequestExtensions.NONE);
                byte[] whole = Encoded.bytes(out -> Requests.encode(message, out, format));
                int bodyLength = whole.length - InHeader.SIZE - Requests.encodedSize(message.extensions());
                int step = Math.max(1, whole.length / 300);
                for (int c = 0; c < whole.length; c += step) {
                    int cut = c;
                    byte[] prefix = java.util.Arrays.copyOf(whole, cut);
                    // The header's len no longer matches: always EINVAL.
                    MalformedRequestException e = assertThrows(MalformedRequestException.class,
                            () -> FuseMessage.decode(Unpooled.wrappedBuffer(prefix), format), () -> opcode + " cut at "
                                    + cut);
                    assertEquals(Errno.EINVAL, e.errno());
                    // With len patched to the prefix, the framing passes and the parts see the truncation.
                    if (cut >= InHeader.SIZE) {
                        format.order().setInt(Unpooled.wrappedBuffer(prefix), 0, cut);
                        decodeSafely(opcode + " cut at " + cut, prefix,
                                () -> FuseMessage.decode(Unpooled.wrappedBuffer(prefix), format));
                    }
                    if (cut <= bodyLength) {
                        byte[] body = java.util.Arrays.copyOfRange(whole, InHeader.SIZE, InHeader.SIZE + cut);
                        decodeSafely(opcode + " body cut at " + cut, body,
                                () -> RequestDecoder.decode(opcode, Unpooled.wrappedBuffer(body), format));
                    }
                }
            }
        });
    }

    @Test
    void flippedBitsAndOverwrittenLengthFields() {
        int[] interesting = {0, 1, 7, 8, 0xff, 0xffff, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x1000, 255, 256};
        Seeds.forEach(10, random -> {
            RandomMessages messages = new RandomMessages(random);
            for (Opcode opcode : Opcode.values()) {
                WireFormat format = anyFormat(random);
                FuseMessage message = FuseMessage.of(opcode, 7, 1, messages.request(opcode, format))
                        .withExtensions(random.nextInt(3) == 0 ? messages.extensions() : RequestExtensions.NONE);
                byte[] whole = Encoded.bytes(out -> Requests.encode(message, out, format));
                for (int i = 0; i < 40; i++) {
                    byte[] mutated = whole.clone();
                    if (random.nextBoolean()) {
                        for (int flips = random.nextInt(1, 5); flips > 0; flips--) {
                            int bit = random.nextInt(mutated.length * 8);
                            mutated[bit / 8] ^= (byte) (1 << (bit % 8));
                        }
                    } else {
                        // A 32-bit word (where lengths and counts live) gets an edge value.
                        int at = random.nextInt(mutated.length / 4) * 4;
                        int value = random.nextBoolean() ? interesting[random.nextInt(interesting.length)]
                                : random.nextInt(-16, 16) + mutated.length;
                        format.order().setInt(Unpooled.wrappedBuffer(mutated), at, value);
                    }
                    if (random.nextBoolean()) {
                        format.order().setInt(Unpooled.wrappedBuffer(mutated), 0, mutated.length); // keep len honest
                    }
                    decodeSafely(opcode + " mutated", mutated,
                            () -> FuseMessage.decode(Unpooled.wrappedBuffer(mutated), format));
                }
            }
        });
    }

    @Test
    void randomExtensionChains() {
        Seeds.forEach(20, random -> {
            for (int i = 0; i < 300; i++) {
                byte[] bytes = randomBytes(random);
                if (bytes.length >= 8 && random.nextBoolean()) {
                    // A plausible header: a size within the chain and a known type.
                    WireOrder order = random.nextBoolean() ? WireOrder.LITTLE_ENDIAN : WireOrder.BIG_ENDIAN;
                    order.setInt(Unpooled.wrappedBuffer(bytes), 0, random.nextInt(bytes.length + 9) & ~7);
                    order.setInt(Unpooled.wrappedBuffer(bytes), 4, random.nextBoolean() ? 32 : random.nextInt(4));
                }
                WireFormat format = anyFormat(random);
                decodeSafely("extensions", bytes,
                        () -> RequestExtensions.decode(Unpooled.wrappedBuffer(bytes), format));
            }
        });
    }

    @Test
    void randomNotifications() {
        Seeds.forEach(20, random -> {
            for (int i = 0; i < 300; i++) {
                byte[] body = randomBytes(random);
                WireFormat format = anyFormat(random);
                int code = random.nextInt(12);
                byte[] whole = Encoded.bytes(out -> {
                    io.virtiofs.protocol.OutHeader.encode(out, format.order(),
                            random.nextInt(8) == 0 ? random.nextInt() : 16 + body.length, code,
                            random.nextInt(8) == 0 ? 1 : 0);
                    out.writeBytes(body);
                });
                decodeSafely("notification", whole,
                        () -> Notifications.decodeMessage(Unpooled.wrappedBuffer(whole), format));
            }
        });
    }
}
