package io.virtiofs.testkit.protocol.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FileName;
import io.virtiofs.api.IoctlReply;
import io.virtiofs.api.IoctlRequest;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.GetxattrIn;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.message.IoctlIn;
import io.virtiofs.protocol.message.NameIn;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.protocol.message.WriteIn;
import io.virtiofs.protocol.server.Negotiation;
import io.virtiofs.protocol.server.Served;
import io.virtiofs.testkit.support.ErrorLogWatch;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a driver controls, taken to its limits: size fields near 2^31 and 2^32, replies that do
 * not fit the room the driver gave, INIT versions. Each is an error reply to that request (never
 * {@link Served#noRoom()} while a {@code fuse_out_header} fits, which would reset a
 * virtio-fs device), logged below ERROR, and the session goes on.
 */
@Timeout(30)
class GuestLimitsTest {

    /** A file system whose ioctl answers {@code output} bytes (TestFileSystem's answers ENOSYS). */
    private static final class IoctlFileSystem extends TestFileSystem {
        volatile int output;

        @Override
        public IoctlReply ioctl(Context ctx, IoctlRequest request, ByteBuf in) {
            return new IoctlReply(0, new byte[output]);
        }
    }

    private static ServerDriver initialized(TestFileSystem fs, WireOrder order) {
        ServerDriver driver = new ServerDriver(fs, order);
        driver.init().assertOk();
        return driver;
    }

    private static void assertNoErrors(ErrorLogWatch log) {
        assertEquals(List.of(), log.errors(), "ERROR lines logged for a driver's input");
    }

    private static void assertSessionGoesOn(ServerDriver driver) {
        driver.send(FuseMessage.of(Opcode.LOOKUP, driver.nextUnique(), 1, new NameIn(FileName.of("hello")))).assertOk();
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void anIoctlWithAHugeOutSizeIsAnErrorNotAReset(WireOrder order) {
        try (ErrorLogWatch log = new ErrorLogWatch()) {
            ServerDriver driver = initialized(new TestFileSystem().withFile("hello", 5, "hi"), order);
            ServerDriver.Reply reply = driver.send(FuseMessage.of(Opcode.IOCTL, driver.nextUnique(), 5,
                    new IoctlIn(0, 0, 0x5401, 0, 0, 0x4000_0000, Unpooled.EMPTY_BUFFER)), 1 << 20);
            reply.assertError(Errno.EINVAL);
            assertSessionGoesOn(driver);
            assertNoErrors(log);
        }
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void anIoctlAnswerLargerThanTheRoomIsAnError(WireOrder order) {
        IoctlFileSystem fs = new IoctlFileSystem();
        fs.withFile("hello", 5, "hi");
        fs.output = 8192;
        ServerDriver driver = initialized(fs, order);
        // The caller accepts 64 KiB, its buffers hold 4 KiB: what the file system answers cannot go back.
        ServerDriver.Reply reply = driver.send(FuseMessage.of(Opcode.IOCTL, driver.nextUnique(), 5,
                new IoctlIn(0, 0, 0x5401, 0, 0, 65536, Unpooled.EMPTY_BUFFER)), 4096);
        reply.assertError(Errno.EINVAL);
        fs.output = 100;
        assertEquals(0, driver.send(FuseMessage.of(Opcode.IOCTL, driver.nextUnique(), 5,
                new IoctlIn(0, 0, 0x5401, 0, 0, 65536, Unpooled.EMPTY_BUFFER)), 4096).error());
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void aFixedReplyWithoutRoomIsEinvalAndOnlyALackingHeaderIsTooLarge(WireOrder order) {
        TestFileSystem fs = new TestFileSystem().withFile("hello", 5, "hi");
        ServerDriver driver = initialized(fs, order);
        driver.send(FuseMessage.of(Opcode.LOOKUP, driver.nextUnique(), 1, new NameIn(FileName.of("hello"))), 64)
                .assertError(Errno.EINVAL);
        assertEquals(0, driver.server.lookupCount(5), "nothing was handed out");
        assertEquals(Served.Kind.NO_ROOM, driver.send(FuseMessage.of(Opcode.LOOKUP, driver.nextUnique(), 1,
                new NameIn(FileName.of("hello"))), 15).outcome());
        assertSessionGoesOn(driver);
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void anXattrValueLargerThanTheRoomIsErange(WireOrder order) {
        TestFileSystem fs = new TestFileSystem().withFile("hello", 5, "hi");
        fs.xattrs.put("user.big", new byte[300]);
        ServerDriver driver = initialized(fs, order);
        driver.send(FuseMessage.of(Opcode.GETXATTR, driver.nextUnique(), 5, new GetxattrIn(65536, "user.big")), 200)
                .assertError(Errno.ERANGE);
        driver.send(FuseMessage.of(Opcode.LISTXATTR, driver.nextUnique(), 5,
                new io.virtiofs.protocol.message.ListxattrIn(65536)), 20).assertError(Errno.ERANGE);
        assertSessionGoesOn(driver);
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void sizesBeyondTheNegotiatedLimitsAreEinvalWithoutAnErrorLine(WireOrder order) {
        try (ErrorLogWatch log = new ErrorLogWatch()) {
            ServerDriver driver = initialized(new TestFileSystem().withFile("hello", 5, "hi"), order);
            for (int size : new int[] {0xffff_ffff, 0x8000_0000, 0x7fff_ffff, 0x4000_0000}) {
                driver.send(FuseMessage.of(Opcode.READ, driver.nextUnique(), 5, new ReadIn(0, 0, size, 0, 0, 0)))
                        .assertError(Errno.EINVAL);
                driver.send(FuseMessage.of(Opcode.READDIR, driver.nextUnique(), 1, new ReadIn(0, 0, size, 0, 0, 0)))
                        .assertError(Errno.EINVAL);
                driver.send(FuseMessage.of(Opcode.READDIRPLUS, driver.nextUnique(), 1, new ReadIn(0, 0, size, 0, 0, 0)))
                        .assertError(Errno.EINVAL);
                driver.send(FuseMessage.of(Opcode.IOCTL, driver.nextUnique(), 5,
                        new IoctlIn(0, 0, 0x5401, 0, 0, size, Unpooled.EMPTY_BUFFER))).assertError(Errno.EINVAL);
            }
            // A read from before the start of the file, or past the largest offset, is not a read.
            driver.send(FuseMessage.of(Opcode.READ, driver.nextUnique(), 5, new ReadIn(0, -1, 10, 0, 0, 0)))
                    .assertError(Errno.EINVAL);
            driver.send(FuseMessage.of(Opcode.READ, driver.nextUnique(), 5,
                    new ReadIn(0, Long.MAX_VALUE - 4, 10, 0, 0, 0))).assertError(Errno.EINVAL);
            driver.send(FuseMessage.of(Opcode.WRITE, driver.nextUnique(), 5,
                    new WriteIn(0, -4096, 2, 0, 0, 0, Unpooled.wrappedBuffer(new byte[2])))).assertError(Errno.EINVAL);
            // At the limit, reads are answered as usual.
            ServerDriver.Reply read = driver.send(FuseMessage.of(Opcode.READ, driver.nextUnique(), 5,
                    new ReadIn(0, 0, 1 << 20, 0, 0, 0)));
            read.assertOk();
            assertEquals("hi", read.body().toString(java.nio.charset.StandardCharsets.UTF_8));
            assertSessionGoesOn(driver);
            assertNoErrors(log);
        }
    }

    @Test
    void initVersionsBelowTheFloorAreEprotoAndAnyNewerMinorGetsOurs() {
        try (ErrorLogWatch log = new ErrorLogWatch()) {
            for (WireOrder order : WireOrder.values()) {
                ServerDriver driver = new ServerDriver(new TestFileSystem().withFile("hello", 5, "hi"), order);
                driver.send(FuseMessage.of(Opcode.INIT, 2, 0, new InitIn(7, 8, 0, 0))).assertError(Errno.EPROTO);
                driver.send(FuseMessage.of(Opcode.INIT, 4, 0, new InitIn(7, 0, 0, 0))).assertError(Errno.EPROTO);
                assertTrue(driver.server.negotiation().isEmpty());
                ServerDriver.Reply reply = driver.send(FuseMessage.of(Opcode.INIT, 6, 0,
                        new InitIn(7, 0xffff_ffff, 1 << 20, 0)));
                reply.assertOk();
                assertEquals(45, order.getInt(reply.body(), 4), "the negotiated minor");
                Negotiation negotiation = driver.server.negotiation().orElseThrow();
                assertEquals(45, negotiation.version().minor());
                assertEquals(Integer.MAX_VALUE, negotiation.driverVersion().minor(), "a minor beyond 2^31 - 1, as far as an int says");
            }
            assertNoErrors(log);
        }
    }
}
