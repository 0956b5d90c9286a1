package io.virtiofs.transport.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.protocol.server.NotificationSink;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Notifications written to the session descriptor reach the kernel, and its refusals come back as errnos. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FuseNotificationTest extends FuseMountFixture {

    /** {@code FUSE_NOTIFY_INVAL_INODE}. */
    private static final int NOTIFY_INVAL_INODE = 2;

    /** A FUSE_NOTIFY_INVAL_INODE message for {@code nodeid}, all of it ({@code fuse_notify_inval_inode_out}). */
    private static ByteBuf invalidateInode(IntFunction<ByteBuf> allocate, long nodeid) {
        ByteBuf message = allocate.apply(OutHeader.SIZE + 24);
        OutHeader.encode(message, MinimalFuseHandler.ORDER, OutHeader.SIZE + 24, NOTIFY_INVAL_INODE, 0);
        MinimalFuseHandler.ORDER.writeLong(message, nodeid);
        MinimalFuseHandler.ORDER.writeLong(message, 0); // off
        MinimalFuseHandler.ORDER.writeLong(message, -1); // len: to the end
        return message;
    }

    @Test
    void theKernelTakesNotificationsAndAnswersUnknownNodesWithEnoent() throws Exception {
        AtomicReference<FuseServerConfig> config = new AtomicReference<>();
        MinimalFuseHandler handler = new MinimalFuseHandler(MAX_WRITE);
        FuseMount mount = mount(given -> {
            config.set(given);
            return handler;
        }, options().build());
        Files.readAttributes(mountpoint, "unix:ino"); // INIT is done and the root is cached
        NotificationSink sink = config.get().notifications().orElseThrow();

        ByteBuf heap = invalidateInode(Unpooled::buffer, 1);
        ByteBuf direct = invalidateInode(Unpooled::directBuffer, 1);
        CompositeByteBuf composite = Unpooled.compositeBuffer();
        ByteBuf whole = invalidateInode(Unpooled::directBuffer, 1);
        composite.addComponents(true, whole.retainedSlice(0, 20), whole.retainedSlice(20, 20));
        ByteBuf unknown = invalidateInode(Unpooled::directBuffer, 12345);
        try {
            sink.send(heap); // copied into native memory
            sink.send(direct); // written where it lies
            sink.send(composite); // gathered from two pieces
            ErrnoException refused = assertThrows(ErrnoException.class, () -> sink.send(unknown));
            assertEquals(Errno.ENOENT, refused.errno());
            assertEquals(40, heap.readableBytes(), "the sink must not consume the message");

            mount.close();
            ErrnoException ended = assertThrows(ErrnoException.class, () -> sink.send(direct));
            assertEquals(Errno.ENOTCONN, ended.errno());
        } finally {
            heap.release();
            direct.release();
            composite.release();
            whole.release();
            unknown.release();
        }
    }
}
