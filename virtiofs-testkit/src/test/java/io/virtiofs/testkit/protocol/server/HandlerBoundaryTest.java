package io.virtiofs.testkit.protocol.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FileLock;
import io.virtiofs.protocol.InitFlag;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.EmptyIn;
import io.virtiofs.protocol.message.ForgetIn;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.message.InterruptIn;
import io.virtiofs.protocol.message.LkIn;
import io.virtiofs.protocol.server.RequestClass;
import io.virtiofs.protocol.server.Served;
import io.virtiofs.protocol.server.SessionEvent;
import io.virtiofs.testkit.wire.Requests;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the server tells a transport: how to schedule a request ({@code classify}), the error reply
 * for a failure outside the handler ({@code answerFailure}), and the session events of INIT and
 * DESTROY; the transport reads no header field itself.
 */
class HandlerBoundaryTest {

    private static ByteBuf encoded(ServerDriver driver, FuseMessage message) {
        return Requests.encode(message, driver.format());
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void classifyNamesHighPriorityAndBlockingRequestsInEitherByteOrder(WireOrder order) {
        ServerDriver driver = new ServerDriver(new TestFileSystem(), order);
        // Before INIT the order is read from the opcode itself.
        assertEquals(RequestClass.HIGH_PRIORITY, driver.server.classify(encoded(driver,
                FuseMessage.of(Opcode.FORGET, 0, 5, new ForgetIn(1)))));
        driver.init();
        assertEquals(RequestClass.HIGH_PRIORITY, driver.server.classify(encoded(driver,
                FuseMessage.of(Opcode.INTERRUPT, 3, 0, new InterruptIn(1)))));
        assertEquals(RequestClass.MAY_BLOCK, driver.server.classify(encoded(driver,
                FuseMessage.of(Opcode.SETLKW, 5, 5, new LkIn(1, 2, new FileLock(0, 10, 1, 4), 0)))));
        assertEquals(RequestClass.NORMAL, driver.server.classify(encoded(driver,
                FuseMessage.of(Opcode.SETLK, 7, 5, new LkIn(1, 2, new FileLock(0, 10, 1, 4), 0)))));
        assertEquals(RequestClass.NORMAL, driver.server.classify(encoded(driver,
                FuseMessage.of(Opcode.GETATTR, 9, 1, new GetattrIn(0, 0)))));
        assertEquals(RequestClass.NORMAL, driver.server.classify(Unpooled.wrappedBuffer(new byte[12])), "too short");
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void answerFailureKeepsTheUniqueInTheSessionsOrderAndSkipsRequestsWithoutReply(WireOrder order) {
        ServerDriver driver = new ServerDriver(new TestFileSystem(), order);
        driver.init();
        ByteBuf getattr = encoded(driver, FuseMessage.of(Opcode.GETATTR, 0x1122334455L, 1, new GetattrIn(0, 0)));
        ByteBuf reply = Unpooled.buffer(64);
        assertEquals(Served.replied(), driver.server.answerFailure(getattr, reply, Errno.ENOLCK));
        ByteBuf expected = Unpooled.buffer();
        OutHeader.encode(expected, order, OutHeader.SIZE, -Errno.ENOLCK.code(), 0x1122334455L);
        assertArrayEquals(ByteBufUtil.getBytes(expected), ByteBufUtil.getBytes(reply));
        assertEquals(0, getattr.readerIndex(), "the request is read in place");

        ByteBuf forget = encoded(driver, FuseMessage.of(Opcode.FORGET, 77, 5, new ForgetIn(1)));
        assertEquals(Served.noReply(), driver.server.answerFailure(forget, reply.clear(), Errno.EIO));
        assertEquals(0, reply.writerIndex());
        assertEquals(Served.replied(), driver.server.answerFailure(forget, reply, Errno.EIO, true),
                "answered anyway when the transport must answer every request");
        assertEquals(77, OutHeader.decode(reply, order).unique());

        assertEquals(Served.noRoom(), driver.server.answerFailure(getattr, Unpooled.buffer(8, 8), Errno.EIO));
        ByteBuf shortReply = Unpooled.buffer(16);
        assertEquals(Served.replied(), driver.server.answerFailure(Unpooled.wrappedBuffer(new byte[10]), shortReply,
                Errno.EINVAL), "a request too short for a header gets unique 0");
        assertEquals(0, OutHeader.decode(shortReply, order).unique());
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void initAndDestroyAnnounceTheSessionsStartAndEnd(WireOrder order) {
        ServerDriver driver = new ServerDriver(new TestFileSystem(), order);
        ServerDriver.Reply init = driver.init();
        SessionEvent.Initialized started = assertInstanceOf(SessionEvent.Initialized.class,
                init.served().event().orElseThrow());
        assertEquals(driver.server.negotiation().orElseThrow(), started.negotiation());
        assertTrue(started.negotiation().accepts(InitFlag.MAX_PAGES));
        ServerDriver.Reply destroy = driver.send(FuseMessage.of(Opcode.DESTROY, driver.nextUnique(), 0, new EmptyIn()));
        destroy.assertOk();
        assertInstanceOf(SessionEvent.Destroyed.class, destroy.served().event().orElseThrow());
        assertTrue(driver.server.negotiation().isEmpty());
        assertTrue(driver.send(FuseMessage.of(Opcode.GETATTR, driver.nextUnique(), 1, new GetattrIn(0, 0)))
                .served().event().isEmpty(), "ordinary requests change nothing");
    }
}
