package io.virtiofs.passthrough;

import io.virtiofs.testkit.wire.Requests;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.protocol.InitFlags;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.FuseRequest;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.transport.device.VirtioFsDevice;
import io.virtiofs.testkit.mock.MockDriver;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A guest that writes its FUSE requests by hand, through real virtqueues of the in-process
 * virtio-fs device (MockDriver): no kernel checks what it sends, as none checks a hostile guest's.
 */
final class GuestSession implements AutoCloseable {

    private static final int REPLY = 2 * 1024 * 1024;

    final FuseServer server;
    final WireFormat format = WireFormat.current(WireOrder.LITTLE_ENDIAN);
    private final VirtioFsDevice device;
    private final MockDriver driver;
    private final AtomicLong uniques = new AtomicLong(2);
    private int uid;
    private int gid;

    GuestSession(io.virtiofs.api.FileSystem fs) {
        this.server = new FuseServer(fs, FuseServerConfig.defaults());
        this.device = VirtioFsDevice.builder("hostile").requestQueues(1).build(server);
        this.driver = MockDriver.connect(device, MockDriver.Options.defaults().withScatter(true)
                .withBuffers(REPLY, REPLY));
        ok(send(Opcode.INIT, 0, new InitIn(7, 45, 1 << 20, InitFlags.flags(EnumSet.allOf(io.virtiofs.protocol.InitFlag.class)))));
    }

    /** Later requests come from this caller. */
    GuestSession as(int newUid, int newGid) {
        this.uid = newUid;
        this.gid = newGid;
        return this;
    }

    ByteBuf send(Opcode opcode, long nodeid, FuseRequest body) {
        FuseMessage message = FuseMessage.of(opcode, uniques.addAndGet(2), nodeid, body).withCaller(uid, gid, 4242);
        ByteBuf request = Requests.encode(message, format);
        try {
            int queue = opcode == Opcode.FORGET || opcode == Opcode.BATCH_FORGET ? 0 : 1;
            return Unpooled.copiedBuffer(driver.exchange(queue, request, opcode.replies() ? REPLY : 0));
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError(opcode + " got no reply", e);
        } finally {
            request.release();
        }
    }

    /** The body of a successful reply. */
    ByteBuf ok(ByteBuf reply) {
        OutHeader header = OutHeader.decode(reply, format.order());
        assertEquals(0, header.error(), () -> "error reply " + header);
        return reply;
    }

    /** The errno (positive) of a reply; 0 for success. */
    int errno(ByteBuf reply) {
        return -OutHeader.decode(reply, format.order()).error();
    }

    @Override
    public void close() {
        driver.close();
        device.close();
    }
}
