package io.virtiofs.testkit.protocol.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Attr;
import io.virtiofs.api.AttrReply;
import io.virtiofs.api.Context;
import io.virtiofs.api.DirectoryPlusSink;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FileName;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.AttrOut;
import io.virtiofs.protocol.message.DirentplusOut;
import io.virtiofs.protocol.message.EntryOut;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.message.NameIn;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.testkit.support.ErrorLogWatch;
import io.virtiofs.testkit.wire.Replies;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Replies a file system gets wrong are caught where they are made: the request is answered EIO
 * with one ERROR line naming the operation and the node, the session goes on; an inode number
 * left 0 is sent as the nodeid.
 */
class FileSystemMistakeTest {

    /** Answers whatever the test puts in its fields. */
    private static final class Careless extends TestFileSystem {
        volatile Attr lookupAttr = attr(9, 0100644, 3);
        volatile long lookupNodeid = 9;
        volatile Attr getattrAttr = attr(9, 0100644, 3);

        @Override
        public Entry lookup(Context ctx, long parent, FileName name) {
            return new Entry(lookupNodeid, 0, lookupAttr, VALID, VALID);
        }

        @Override
        public AttrReply getattr(Context ctx, long nodeid) {
            return new AttrReply(getattrAttr, VALID);
        }

        @Override
        public void readdirplus(Context ctx, long nodeid, long fh, long offset, DirectoryPlusSink sink) {
            if (offset == 0) {
                sink.add(FileName.DOT, 1, new Entry(ROOT_ID, 0, attr(ROOT_ID, 0040755, 0), VALID, VALID));
            }
            sink.add(FileName.of("a"), 2, new Entry(lookupNodeid, 0, lookupAttr, VALID, VALID));
        }
    }

    private static ServerDriver.Reply lookup(ServerDriver driver, String name) {
        return driver.send(FuseMessage.of(Opcode.LOOKUP, driver.nextUnique(), 1, new NameIn(FileName.of(name))));
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void anAttrWithoutAFileTypeIsAnsweredEioWithOneLineNamingTheOperationAndNode(WireOrder order) {
        Careless fs = new Careless();
        fs.lookupAttr = TestFileSystem.attr(9, 0644, 3);
        fs.getattrAttr = TestFileSystem.attr(9, 0644, 3);
        ServerDriver driver = new ServerDriver(fs, order);
        driver.init();
        try (ErrorLogWatch log = new ErrorLogWatch()) {
            lookup(driver, "file").assertError(Errno.EIO);
            driver.send(FuseMessage.of(Opcode.GETATTR, driver.nextUnique(), 9, new GetattrIn(0, 0)))
                    .assertError(Errno.EIO);
            List<String> errors = log.errors();
            assertEquals(2, errors.size(), errors::toString);
            assertTrue(errors.get(0).contains("LOOKUP of node 1") && errors.get(0).contains("mode 0644 has no file type"),
                    errors.get(0));
            assertTrue(errors.get(1).contains("GETATTR of node 9") && errors.get(1).contains("no file type"),
                    errors.get(1));
        }
        assertEquals(0, driver.server.lookupCount(9), "a lookup answered EIO hands out nothing");
        fs.lookupAttr = TestFileSystem.attr(9, 0100644, 3);
        lookup(driver, "file").assertOk();
        assertEquals(1, driver.server.lookupCount(9), "the session goes on");
    }

    @Test
    void anEntryGivingAnotherNodeTheRootsNodeidIsAnsweredEio() {
        Careless fs = new Careless();
        fs.lookupNodeid = 1;
        ServerDriver driver = new ServerDriver(fs, WireOrder.LITTLE_ENDIAN);
        driver.init();
        try (ErrorLogWatch log = new ErrorLogWatch()) {
            lookup(driver, "file").assertError(Errno.EIO);
            driver.send(FuseMessage.of(Opcode.READDIRPLUS, driver.nextUnique(), 1, new ReadIn(0, 0, 4096, 0, 0, 0)))
                    .assertError(Errno.EIO);
            assertEquals(2, log.errors().size(), log.errors()::toString);
            assertTrue(log.errors().get(0).contains("nodeid 1, the root's"), log.errors().get(0));
            assertTrue(log.errors().get(1).contains("READDIRPLUS of node 1"), log.errors().get(1));
        }
        // "." and ".." may name the root.
        fs.lookupAttr = TestFileSystem.attr(1, 0040755, 0);
        lookup(driver, "..").assertOk();
        lookup(driver, ".").assertOk();
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void aZeroInodeNumberIsSentAsTheNodeid(WireOrder order) {
        Careless fs = new Careless();
        fs.lookupAttr = TestFileSystem.attr(0, 0100644, 3);
        fs.getattrAttr = TestFileSystem.attr(0, 0100644, 3);
        ServerDriver driver = new ServerDriver(fs, order);
        driver.init();
        EntryOut entry = Replies.entryOut(lookup(driver, "file").body(), driver.format());
        assertEquals(9, entry.nodeid());
        assertEquals(9, entry.attr().ino());
        AttrOut attr = Replies.attrOut(driver.send(FuseMessage.of(Opcode.GETATTR, driver.nextUnique(), 9,
                new GetattrIn(0, 0))).body(), driver.format());
        assertEquals(9, attr.attr().ino());
        DirentplusOut listing = Replies.direntplusOut(driver.send(FuseMessage.of(Opcode.READDIRPLUS,
                driver.nextUnique(), 1, new ReadIn(0, 0, 4096, 0, 0, 0))).body(), driver.format());
        assertEquals(9, listing.entries().get(1).entry().attr().ino());
        assertEquals(9, listing.entries().get(1).dirent().ino());
        fs.getattrAttr = TestFileSystem.attr(77, 0100644, 3);
        assertEquals(77, Replies.attrOut(driver.send(FuseMessage.of(Opcode.GETATTR, driver.nextUnique(), 9,
                new GetattrIn(0, 0))).body(), driver.format()).attr().ino(), "a set inode number is kept");
    }
}
