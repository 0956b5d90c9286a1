package io.virtiofs.testkit.protocol.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FileName;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.message.NameIn;
import io.virtiofs.protocol.server.Served;
import io.virtiofs.testkit.support.Seeds;
import io.virtiofs.testkit.wire.Requests;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Requests that break the wire format: error replies, never an exception, never a hang. */
class MalformedRequestsTest {

    private static final long SEED = Seeds.orElse(System.nanoTime());

    private static ServerDriver initialized(WireOrder order) {
        ServerDriver driver = new ServerDriver(new TestFileSystem().withFile("hello", 5, "hi"), order);
        driver.init().assertOk();
        return driver;
    }

    private static ByteBuf header(WireOrder order, int len, Opcode opcode, long unique, long nodeid) {
        return Unpooled.wrappedBuffer(new ExpectedBytes(order).u32(len).u32(opcode.code()).u64(unique).u64(nodeid)
                .u32(0).u32(0).u32(0).u16(0).u16(0).toByteArray());
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void aLengthThatDisagreesIsEinvalKeepingTheUnique(WireOrder order) {
        ServerDriver driver = initialized(order);
        ByteBuf request = Unpooled.wrappedBuffer(header(order, 60, Opcode.GETATTR, 77, 1), Unpooled.wrappedBuffer(new byte[16]));
        ServerDriver.Reply reply = driver.sendRaw(request, 4096);
        assertArrayEquals(ExpectedBytes.reply(order, new ExpectedBytes(order), -Errno.EINVAL.code(), 77).toByteArray(),
                reply.bytes());
        assertEquals(1, driver.server.statistics().malformed());
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void aTruncatedHeaderIsEinvalWithUniqueZero(WireOrder order) {
        ServerDriver driver = initialized(order);
        ServerDriver.Reply reply = driver.sendRaw(Unpooled.wrappedBuffer(new byte[10]), 4096);
        assertArrayEquals(ExpectedBytes.reply(order, new ExpectedBytes(order), -Errno.EINVAL.code(), 0).toByteArray(),
                reply.bytes());
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void namesWithoutNulOrTooLongAreRefused(WireOrder order) {
        ServerDriver driver = initialized(order);
        ByteBuf noNul = Unpooled.wrappedBuffer(header(order, 45, Opcode.LOOKUP, 80, 1),
                Unpooled.wrappedBuffer("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        driver.sendRaw(noNul, 4096).assertError(Errno.EINVAL);
        byte[] longName = new byte[257];
        java.util.Arrays.fill(longName, (byte) 'a');
        longName[256] = 0;
        ByteBuf tooLong = Unpooled.wrappedBuffer(header(order, 40 + 257, Opcode.LOOKUP, 82, 1), Unpooled.wrappedBuffer(longName));
        driver.sendRaw(tooLong, 4096).assertError(Errno.ENAMETOOLONG);
        // The session goes on.
        driver.send(FuseMessage.of(Opcode.LOOKUP, driver.nextUnique(), 1, new NameIn(FileName.of("hello")))).assertOk();
    }

    @Test
    void badInitsAreEproto() {
        for (WireOrder order : WireOrder.values()) {
            ServerDriver driver = new ServerDriver(new TestFileSystem(), order);
            driver.send(FuseMessage.of(Opcode.INIT, 2, 0, new InitIn(6, 9, 0, 0))).assertError(Errno.EPROTO);
            ByteBuf shortInit = Unpooled.wrappedBuffer(header(order, 44, Opcode.INIT, 4, 0),
                    Unpooled.wrappedBuffer(new ExpectedBytes(order).u32(7).toByteArray()));
            driver.sendRaw(shortInit, 4096).assertError(Errno.EPROTO);
            driver.init().assertOk();
            driver.send(FuseMessage.of(Opcode.INIT, 8, 0, new InitIn(7, 45, 0, 0))).assertError(Errno.EPROTO);
        }
    }

    @Test
    void aNewerMajorVersionIsAnsweredWithOursAndNoSession() {
        ServerDriver driver = new ServerDriver(new TestFileSystem(), WireOrder.LITTLE_ENDIAN);
        ServerDriver.Reply reply = driver.send(FuseMessage.of(Opcode.INIT, 2, 0, new InitIn(8, 0, 0, 0)));
        reply.assertOk();
        ByteBuf body = reply.body();
        assertEquals(7, body.getIntLE(0));
        assertEquals(45, body.getIntLE(4));
        assertTrue(driver.server.negotiation().isEmpty());
    }

    /**
     * Random bytes and random mutations of valid requests: every reply is a well-formed header whose
     * length is what was written, with an error in 0..-4095, and nothing escapes.
     */
    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void arbitraryBytesOnlyProduceWellFormedReplies(WireOrder order) {
        SplittableRandom random = new SplittableRandom(SEED);
        ServerDriver driver = initialized(order);
        WireFormat format = WireFormat.current(order);
        for (int i = 0; i < 20_000; i++) {
            ByteBuf request;
            if (random.nextBoolean()) {
                byte[] bytes = new byte[random.nextInt(0, 200)];
                random.nextBytes(bytes);
                if (bytes.length >= 8 && random.nextBoolean()) {
                    // A plausible header: right length, a known opcode.
                    ByteBuf b = Unpooled.wrappedBuffer(bytes);
                    order.setInt(b, 0, bytes.length);
                    order.setInt(b, 4, random.nextInt(1, 54));
                    b.release();
                }
                request = Unpooled.wrappedBuffer(bytes);
            } else {
                ByteBuf valid = Requests.encode(FuseMessage.of(Opcode.LOOKUP, 5000 + i, 1,
                        new NameIn(FileName.of("hello"))), format);
                byte[] bytes = ByteBufUtil.getBytes(valid);
                valid.release();
                int flips = random.nextInt(1, 4);
                for (int f = 0; f < flips; f++) {
                    bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
                }
                int cut = random.nextInt(bytes.length + 1);
                request = Unpooled.wrappedBuffer(bytes, 0, cut);
            }
            ServerDriver.Reply reply;
            String input = ByteBufUtil.hexDump(request);
            int capacity = random.nextInt(0, 3) == 0 ? 16 : 4096;
            try {
                reply = driver.sendRaw(request, capacity);
            } catch (RuntimeException escaped) {
                throw new AssertionError("seed " + SEED + " iteration " + i + ": exception escaped", escaped);
            }
            if (reply.outcome() == Served.Kind.NO_REPLY || reply.outcome() == Served.Kind.NO_ROOM) {
                assertEquals(0, reply.bytes().length, "seed " + SEED + " iteration " + i);
                continue;
            }
            if (reply.bytes().length < OutHeader.SIZE) {
                fail("seed " + SEED + " iteration " + i + ": short reply " + ByteBufUtil.hexDump(reply.bytes()));
            }
            OutHeader header = reply.header();
            assertEquals(reply.bytes().length, header.len(), "seed " + SEED + " iteration " + i + ": request "
                    + input + " with room for " + capacity + " reply bytes");
            assertTrue(header.error() <= 0 && header.error() >= -4095, "seed " + SEED + " iteration " + i);
        }
    }
}
