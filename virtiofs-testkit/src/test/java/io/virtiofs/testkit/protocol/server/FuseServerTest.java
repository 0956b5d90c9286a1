package io.virtiofs.testkit.protocol.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FileName;
import io.virtiofs.protocol.InitFlag;
import io.virtiofs.protocol.InitFlags;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.AccessIn;
import io.virtiofs.protocol.message.BatchForgetIn;
import io.virtiofs.protocol.message.DirentplusOut;
import io.virtiofs.protocol.message.DirentsOut;
import io.virtiofs.protocol.message.EmptyIn;
import io.virtiofs.protocol.message.ForgetIn;
import io.virtiofs.protocol.message.ForgetOne;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.message.GetxattrIn;
import io.virtiofs.protocol.message.GetxattrOut;
import io.virtiofs.protocol.message.ListxattrIn;
import io.virtiofs.protocol.message.MkdirIn;
import io.virtiofs.protocol.message.NameIn;
import io.virtiofs.protocol.message.OpenIn;
import io.virtiofs.protocol.message.OpenOut;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.protocol.message.WriteIn;
import io.virtiofs.protocol.message.WriteOut;
import io.virtiofs.protocol.server.Negotiation;
import io.virtiofs.protocol.server.Served;
import io.virtiofs.testkit.wire.Replies;
import io.virtiofs.testkit.wire.Requests;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A server driven with encoded requests in both byte orders; replies checked byte for byte. */
class FuseServerTest {

    private static TestFileSystem files() {
        return new TestFileSystem().withFile("hello", 5, "hello world").withFile("empty", 6, "");
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void initNegotiatesAndAnswersTheFullInitOut(WireOrder order) {
        ServerDriver driver = new ServerDriver(files(), order);
        ServerDriver.Reply reply = driver.init();
        long accepted = InitFlags.flags(java.util.EnumSet.of(InitFlag.ASYNC_READ, InitFlag.BIG_WRITES,
                InitFlag.MAX_PAGES, InitFlag.PARALLEL_DIROPS, InitFlag.AUTO_INVAL_DATA, InitFlag.ASYNC_DIO,
                InitFlag.INIT_EXT, InitFlag.SETXATTR_EXT, InitFlag.NO_OPEN_SUPPORT,
                InitFlag.NO_OPENDIR_SUPPORT));
        ExpectedBytes body = new ExpectedBytes(order).u32(7).u32(45).u32(1 << 20).u32(accepted).u16(64).u16(48)
                .u32(1 << 20).u32(1).u16(256).u16(0).u32(0).u32(0).u16(0).zeros(22);
        assertArrayEquals(ExpectedBytes.reply(order, body, 0, 102).toByteArray(), reply.bytes());
        Negotiation negotiation = driver.server.negotiation().orElseThrow();
        assertEquals("7.45", negotiation.version().toString());
        assertTrue(negotiation.notAccepted().get(InitFlag.POSIX_LOCKS).contains("not asked for"));
        assertTrue(negotiation.describe().contains("accepted: ASYNC_READ"), negotiation.describe());
    }

    /**
     * A request before FUSE_INIT whose opcode is known only in the other byte order (here
     * 0x01000000, LOOKUP read backwards) but whose length field reads true only in the driver's
     * order: the length wins, and the error reply reads right for that driver (a fuzzer's find).
     */
    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void beforeInitTheLengthFieldOutweighsAnOpcodeKnownOnlyBackwards(WireOrder order) {
        ServerDriver driver = new ServerDriver(files(), order);
        ByteBuf request = Unpooled.buffer(48);
        order.setInt(request, 0, 48);
        request.setInt(4, order == WireOrder.LITTLE_ENDIAN ? 1 : 0x01000000); // LOOKUP only in the other order
        request.writerIndex(48);
        ServerDriver.Reply reply = driver.sendRaw(request, 64);
        assertEquals(Served.Kind.REPLIED, reply.outcome());
        assertEquals(16, order.getInt(Unpooled.wrappedBuffer(reply.bytes()), 0));
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void requestsBeforeInitAreAnsweredEioWithTheirUnique(WireOrder order) {
        ServerDriver driver = new ServerDriver(files(), order);
        ServerDriver.Reply reply = driver.send(FuseMessage.of(Opcode.GETATTR, 42, 1, new GetattrIn(0, 0)));
        // Byte order is detected from the opcode even without INIT.
        assertArrayEquals(ExpectedBytes.reply(order, new ExpectedBytes(order), -Errno.EIO.code(), 42).toByteArray(),
                reply.bytes());
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void lookupAnswersTheEntryAndCountsIt(WireOrder order) {
        TestFileSystem fs = files();
        ServerDriver driver = new ServerDriver(fs, order);
        driver.init();
        long unique = driver.nextUnique();
        ServerDriver.Reply reply = driver.send(FuseMessage.of(Opcode.LOOKUP, unique, 1, new NameIn(FileName.of("hello"))));
        ExpectedBytes entry = new ExpectedBytes(order).u64(5).u64(7).u64(5).u64(5).u32(250).u32(250)
                .u64(5).u64(11).u64(1).u64(1_700_000_000L).u64(1_700_000_001L).u64(1_700_000_002L)
                .u32(1).u32(2).u32(3).u32(0100644).u32(1).u32(1000).u32(100).u32(0).u32(4096).u32(0);
        assertArrayEquals(ExpectedBytes.reply(order, entry, 0, unique).toByteArray(), reply.bytes());
        assertEquals(1, driver.server.lookupCount(5));
        driver.send(FuseMessage.of(Opcode.LOOKUP, driver.nextUnique(), 1, new NameIn(FileName.of("hello"))));
        assertEquals(2, driver.server.lookupCount(5));

        ServerDriver.Reply missing = driver.send(FuseMessage.of(Opcode.LOOKUP, driver.nextUnique(), 1,
                new NameIn(FileName.of("nope"))));
        missing.assertError(Errno.ENOENT);
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void forgetGivesBackExactlyWhatWasLookedUpAndClampsTheRest(WireOrder order) {
        TestFileSystem fs = files();
        ServerDriver driver = new ServerDriver(fs, order);
        driver.init();
        for (int i = 0; i < 3; i++) {
            driver.send(FuseMessage.of(Opcode.LOOKUP, driver.nextUnique(), 1, new NameIn(FileName.of("hello"))));
        }
        driver.send(FuseMessage.of(Opcode.LOOKUP, driver.nextUnique(), 1, new NameIn(FileName.of("empty"))));
        assertEquals(Served.Kind.NO_REPLY,
                driver.send(FuseMessage.of(Opcode.FORGET, driver.nextUnique(), 5, new ForgetIn(2))).outcome());
        assertEquals(1, driver.server.lookupCount(5));
        ServerDriver.Reply batch = driver.send(FuseMessage.of(Opcode.BATCH_FORGET, driver.nextUnique(), 0,
                new BatchForgetIn(List.of(new ForgetOne(5, 5), new ForgetOne(6, 1), new ForgetOne(99, 1)))));
        assertEquals(Served.Kind.NO_REPLY, batch.outcome());
        assertEquals(0, batch.bytes().length);
        assertEquals(List.of("init", "forget 5 2", "forget 5 1", "forget 6 1"),
                fs.calls.stream().filter(c -> !c.startsWith("getattr")).toList());
        assertEquals(2, driver.server.statistics().forgetAnomalies());
        assertEquals(0, driver.server.statistics().lookupsHeld());
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void destroyForgetsWhatRemainsAndAllowsANewSession(WireOrder order) {
        TestFileSystem fs = files();
        ServerDriver driver = new ServerDriver(fs, order);
        driver.init();
        driver.send(FuseMessage.of(Opcode.LOOKUP, driver.nextUnique(), 1, new NameIn(FileName.of("hello"))));
        driver.send(FuseMessage.of(Opcode.LOOKUP, driver.nextUnique(), 1, new NameIn(FileName.of("hello"))));
        long unique = driver.nextUnique();
        ServerDriver.Reply reply = driver.send(FuseMessage.of(Opcode.DESTROY, unique, 0, new EmptyIn()));
        assertArrayEquals(ExpectedBytes.reply(order, new ExpectedBytes(order), 0, unique).toByteArray(), reply.bytes());
        assertEquals(List.of("init", "forget 5 2", "destroy"), fs.calls);
        assertTrue(driver.server.negotiation().isEmpty());
        driver.send(FuseMessage.of(Opcode.GETATTR, driver.nextUnique(), 1, new GetattrIn(0, 0))).assertError(Errno.EIO);
        driver.init().assertOk();
        assertEquals(List.of("init", "forget 5 2", "destroy", "init"), fs.calls);
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void getattrWithAHandleGoesToFgetattr(WireOrder order) {
        TestFileSystem fs = files();
        ServerDriver driver = new ServerDriver(fs, order);
        driver.init();
        driver.send(FuseMessage.of(Opcode.GETATTR, driver.nextUnique(), 5, new GetattrIn(GetattrIn.GETATTR_FH, 77)))
                .assertOk();
        driver.send(FuseMessage.of(Opcode.GETATTR, driver.nextUnique(), 5, new GetattrIn(0, 0))).assertOk();
        assertEquals(List.of("init", "fgetattr 5 77", "getattr 5"), fs.calls);
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void readWritesStraightIntoTheReplyAndIsClampedToTheSpaceGiven(WireOrder order) {
        ServerDriver driver = new ServerDriver(files(), order);
        driver.init();
        long unique = driver.nextUnique();
        ServerDriver.Reply reply = driver.send(FuseMessage.of(Opcode.READ, unique, 5, new ReadIn(50, 6, 4096, 0, 0, 0)));
        assertArrayEquals(ExpectedBytes.reply(order, new ExpectedBytes(order).bytes("world".getBytes(StandardCharsets.UTF_8)),
                0, unique).toByteArray(), reply.bytes());
        // Only 16 + 4 bytes of room: the read is clamped to 4 bytes.
        unique = driver.nextUnique();
        reply = driver.send(FuseMessage.of(Opcode.READ, unique, 5, new ReadIn(50, 0, 4096, 0, 0, 0)), 20);
        assertArrayEquals(ExpectedBytes.reply(order, new ExpectedBytes(order).bytes("hell".getBytes(StandardCharsets.UTF_8)),
                0, unique).toByteArray(), reply.bytes());
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void writeHandsTheDataOverAndAnswersTheCount(WireOrder order) {
        TestFileSystem fs = files();
        ServerDriver driver = new ServerDriver(fs, order);
        driver.init();
        byte[] data = "new data".getBytes(StandardCharsets.UTF_8);
        long unique = driver.nextUnique();
        ServerDriver.Reply reply = driver.send(FuseMessage.of(Opcode.WRITE, unique, 5,
                new WriteIn(50, 3, data.length, 0, 0, 0, Unpooled.wrappedBuffer(data))));
        assertArrayEquals(ExpectedBytes.reply(order, new ExpectedBytes(order).u32(8).u32(0), 0, unique).toByteArray(),
                reply.bytes());
        assertEquals(new WriteOut(8), Replies.writeOut(reply.body(), driver.format()));
        assertTrue(fs.calls.contains("write 5 @3 new data"), fs.calls.toString());
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void openAnswersTheHandle(WireOrder order) {
        ServerDriver driver = new ServerDriver(files(), order);
        driver.init();
        ServerDriver.Reply reply = driver.send(FuseMessage.of(Opcode.OPEN, driver.nextUnique(), 5, new OpenIn(2, 0)));
        assertEquals(new OpenOut(50, 2, 0), Replies.openOut(reply.body(), driver.format()));
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void readdirFillsTheReplyUntilFullAndContinuesFromTheOffset(WireOrder order) {
        TestFileSystem fs = files().withFile("third", 7, "3");
        ServerDriver driver = new ServerDriver(fs, order);
        driver.init();
        // Each entry of a name up to 8 bytes takes 32 bytes: room for two.
        ServerDriver.Reply first = driver.send(FuseMessage.of(Opcode.READDIR, driver.nextUnique(), 1,
                new ReadIn(1, 0, 70, 0, 0, 0)));
        DirentsOut entries = Replies.direntsOut(first.body(), driver.format());
        assertEquals(List.of("hello", "empty"), entries.dirents().stream().map(e -> e.name().toString()).toList());
        assertEquals(List.of(1L, 2L), entries.dirents().stream().map(e -> e.off()).toList());
        ServerDriver.Reply rest = driver.send(FuseMessage.of(Opcode.READDIR, driver.nextUnique(), 1,
                new ReadIn(1, 2, 4096, 0, 0, 0)));
        assertEquals(List.of("third"),
                Replies.direntsOut(rest.body(),
                        driver.format()).dirents().stream().map(e -> e.name().toString()).toList());
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void readdirplusCountsEveryEntryButDot(WireOrder order) {
        TestFileSystem fs = files();
        ServerDriver driver = new ServerDriver(fs, order);
        driver.init();
        ServerDriver.Reply reply = driver.send(FuseMessage.of(Opcode.READDIRPLUS, driver.nextUnique(), 1,
                new ReadIn(1, 0, 4096, 0, 0, 0)));
        DirentplusOut entries = Replies.direntplusOut(reply.body(), driver.format());
        assertEquals(List.of(".", "hello", "empty"),
                entries.entries().stream().map(e -> e.dirent().name().toString()).toList());
        assertEquals(0, driver.server.lookupCount(1));
        assertEquals(1, driver.server.lookupCount(5));
        assertEquals(1, driver.server.lookupCount(6));
        // A reply too small for one entry holds none and counts none.
        ServerDriver.Reply tiny = driver.send(FuseMessage.of(Opcode.READDIRPLUS, driver.nextUnique(), 1,
                new ReadIn(1, 1, 100, 0, 0, 0)));
        assertEquals(0, tiny.body().readableBytes());
        assertEquals(1, driver.server.lookupCount(5));
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void xattrSizesAreAnsweredByTheServer(WireOrder order) {
        TestFileSystem fs = files();
        fs.xattrs.put("user.a", "12345".getBytes(StandardCharsets.UTF_8));
        ServerDriver driver = new ServerDriver(fs, order);
        driver.init();
        ServerDriver.Reply size = driver.send(FuseMessage.of(Opcode.GETXATTR, driver.nextUnique(), 5,
                new GetxattrIn(0, "user.a")));
        assertEquals(new GetxattrOut(5), Replies.getxattrOut(size.body(), driver.format()));
        driver.send(FuseMessage.of(Opcode.GETXATTR, driver.nextUnique(), 5, new GetxattrIn(4, "user.a")))
                .assertError(Errno.ERANGE);
        ServerDriver.Reply value = driver.send(FuseMessage.of(Opcode.GETXATTR, driver.nextUnique(), 5,
                new GetxattrIn(5, "user.a")));
        assertEquals("12345", value.body().toString(StandardCharsets.UTF_8));
        ServerDriver.Reply list = driver.send(FuseMessage.of(Opcode.LISTXATTR, driver.nextUnique(), 5,
                new ListxattrIn(100)));
        assertEquals("user.a\0", list.body().toString(StandardCharsets.UTF_8));
        driver.send(FuseMessage.of(Opcode.GETXATTR, driver.nextUnique(), 5, new GetxattrIn(5, "user.b")))
                .assertError(Errno.ENODATA);
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void fileSystemBugsBecomeEioAndNotImplementedIsEnosys(WireOrder order) {
        ServerDriver driver = new ServerDriver(files(), order);
        driver.init();
        driver.send(FuseMessage.of(Opcode.ACCESS, driver.nextUnique(), 5, new AccessIn(4))).assertError(Errno.EIO);
        assertEquals(1, driver.server.statistics().fileSystemFailures());
        driver.send(FuseMessage.of(Opcode.READLINK, driver.nextUnique(), 5, new EmptyIn())).assertError(Errno.ENOSYS);
        assertEquals(1, driver.server.statistics().errors(Opcode.READLINK));
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void umaskReachesTheContextOfCreatingRequests(WireOrder order) {
        TestFileSystem fs = files();
        ServerDriver driver = new ServerDriver(fs, order);
        driver.init();
        driver.send(FuseMessage.of(Opcode.MKDIR, driver.nextUnique(), 1, new MkdirIn(0777, 022, FileName.of("d")))
                .withCaller(1000, 100, 4242)).assertError(Errno.EROFS);
        assertTrue(fs.calls.contains("mkdir d 777 umask 22"), fs.calls.toString());
        assertEquals(1000, fs.lastContext.uid());
        assertEquals(100, fs.lastContext.gid());
        assertEquals(4242, fs.lastContext.pid());
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void aReplyThatCannotFitIsNotAttemptedAndChangesNothing(WireOrder order) {
        TestFileSystem fs = files();
        ServerDriver driver = new ServerDriver(fs, order);
        driver.init();
        ServerDriver.Reply reply = driver.send(FuseMessage.of(Opcode.LOOKUP, driver.nextUnique(), 1,
                new NameIn(FileName.of("hello"))), 64);
        reply.assertError(Errno.EINVAL); // an error reply to that request: the device goes on
        assertEquals(0, driver.server.lookupCount(5));
        assertEquals(1, driver.server.statistics().repliesTooLarge());
        // Not even an error reply fits:
        assertEquals(Served.Kind.NO_ROOM,
                driver.send(FuseMessage.of(Opcode.GETATTR, driver.nextUnique(), 1, new GetattrIn(0, 0)), 15).outcome());
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void anUndeliveredLookupIsForgottenAndAnUndeliveredOpenReleased(WireOrder order) {
        TestFileSystem fs = files();
        ServerDriver driver = new ServerDriver(fs, order);
        driver.init();
        FuseMessage lookup = FuseMessage.of(Opcode.LOOKUP, driver.nextUnique(), 1, new NameIn(FileName.of("hello")));
        ServerDriver.Reply reply = driver.send(lookup);
        driver.server.replyNotDelivered(Requests.encode(lookup, driver.format()),
                Unpooled.wrappedBuffer(reply.bytes()));
        assertEquals(0, driver.server.lookupCount(5));
        FuseMessage open = FuseMessage.of(Opcode.OPEN, driver.nextUnique(), 5, new OpenIn(0, 0));
        reply = driver.send(open);
        driver.server.replyNotDelivered(Requests.encode(open, driver.format()), Unpooled.wrappedBuffer(reply.bytes()));
        assertTrue(fs.calls.containsAll(List.of("forget 5 1", "release 5 50")), fs.calls.toString());
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void unknownOpcodesAreEnosysAndCounted(WireOrder order) {
        ServerDriver driver = new ServerDriver(files(), order);
        driver.init();
        ByteBuf request = Unpooled.buffer();
        request.writeBytes(new ExpectedBytes(order).u32(40).u32(7).u64(900).u64(1).u32(0).u32(0).u32(0).u16(0).u16(0)
                .toByteArray());
        ServerDriver.Reply reply = driver.sendRaw(request, 4096);
        assertArrayEquals(ExpectedBytes.reply(order, new ExpectedBytes(order), -Errno.ENOSYS.code(), 900).toByteArray(),
                reply.bytes());
        assertEquals(1, driver.server.statistics().unknownOpcodes());
        assertEquals(1, driver.server.statistics().requests(Opcode.INIT));
        assertFalse(driver.server.statistics().requests().containsKey(Opcode.LOOKUP));
    }
}
