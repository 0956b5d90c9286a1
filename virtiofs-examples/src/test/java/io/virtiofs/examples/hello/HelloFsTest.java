package io.virtiofs.examples.hello;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FileName;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.FuseRequest;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.message.NameIn;
import io.virtiofs.protocol.message.OpenIn;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.testkit.wire.Replies;
import io.virtiofs.testkit.wire.Requests;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The README's example answers what it promises, and ENOSYS for the rest. */
class HelloFsTest {

    private record Reply(int error, ByteBuf body) {
    }

    private static Reply send(FuseServer server, WireFormat format, Opcode opcode, long nodeid, FuseRequest body) {
        ByteBuf request = Requests.encode(FuseMessage.of(opcode, 10, nodeid, body), format);
        ByteBuf reply = Unpooled.buffer();
        server.handle(request, reply, io.virtiofs.protocol.server.Completion.SYNCHRONOUS);
        OutHeader header = OutHeader.decode(reply, format.order());
        assertEquals(header.len(), reply.readableBytes() + OutHeader.SIZE);
        return new Reply(header.error(), reply);
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void servesItsOneFile(WireOrder order) {
        FuseServer server = new FuseServer(new HelloFs(), FuseServerConfig.defaults());
        WireFormat format = WireFormat.current(order);
        assertEquals(0, send(server, format, Opcode.INIT, 0, new InitIn(7, 45, 65536, 0)).error());
        Reply lookup = send(server, format, Opcode.LOOKUP, 1, new NameIn(FileName.of("hello")));
        assertEquals(2, Replies.entryOut(lookup.body(), format).nodeid());
        assertEquals(-Errno.ENOENT.code(), send(server, format, Opcode.LOOKUP, 1, new NameIn(FileName.of("x"))).error());
        assertEquals(0, send(server, format, Opcode.OPEN, 2, new OpenIn(0, 0)).error());
        assertEquals(-Errno.EACCES.code(), send(server, format, Opcode.OPEN, 2, new OpenIn(1, 0)).error());
        Reply read = send(server, format, Opcode.READ, 2, new ReadIn(0, 1, 100, 0, 0, 0));
        assertEquals("ello\n", read.body().toString(StandardCharsets.UTF_8));
        Reply listing = send(server, format, Opcode.READDIR, 1, new ReadIn(0, 0, 4096, 0, 0, 0));
        assertEquals(List.of(".", "..", "hello"),
                Replies.direntsOut(listing.body(), format).dirents().stream().map(d -> d.name().toString()).toList());
        assertEquals(-Errno.ENOSYS.code(),
                send(server, format, Opcode.MKDIR, 1, new io.virtiofs.protocol.message.MkdirIn(0755, 0,
                        FileName.of("d"))).error());
    }
}
