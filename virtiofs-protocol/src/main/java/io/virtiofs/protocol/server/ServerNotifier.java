package io.virtiofs.protocol.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.Notifier;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.message.FuseNotification;
import io.virtiofs.protocol.message.NotifyDeleteOut;
import io.virtiofs.protocol.message.NotifyInvalEntryOut;
import io.virtiofs.protocol.message.NotifyInvalInodeOut;
import io.virtiofs.protocol.message.NotifyPollOut;
import io.virtiofs.protocol.message.NotifyReplyIn;
import io.virtiofs.protocol.message.NotifyRetrieveOut;
import io.virtiofs.protocol.message.NotifyStoreOut;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The {@link Notifier} of a server: encodes notifications in the session's wire format and hands
 * them to the transport's {@link NotificationSink}; matches NOTIFY_REPLY to pending retrieves.
 */
final class ServerNotifier implements Notifier {

    /** FUSE_EXPIRE_ONLY in fuse_notify_inval_entry_out.flags. */
    private static final int EXPIRE_ONLY = 1;

    private final Optional<NotificationSink> sink;
    private final Supplier<Optional<WireFormat>> format;
    private final AtomicLong retrieveIds = new AtomicLong();
    private final Map<Long, CompletableFuture<byte[]>> retrieves = new ConcurrentHashMap<>();

    ServerNotifier(Optional<NotificationSink> sink, Supplier<Optional<WireFormat>> format) {
        this.sink = sink;
        this.format = format;
    }

    @Override
    public boolean isSupported() {
        return sink.isPresent();
    }

    private void send(FuseNotification notification) {
        NotificationSink target = sink.orElseThrow(
                () -> new ErrnoException(Errno.ENOSYS, "this transport carries no notifications"));
        WireFormat session = format.get().orElseThrow(
                () -> new ErrnoException(Errno.ENOTCONN, "no FUSE session is running"));
        ByteBuf message = PooledByteBufAllocator.DEFAULT.heapBuffer();
        try {
            notification.encodeMessage(message, session);
            target.send(message);
        } finally {
            message.release();
        }
    }

    @Override
    public void invalidateInode(long nodeid, long offset, long length) {
        send(new NotifyInvalInodeOut(nodeid, offset, length));
    }

    @Override
    public void invalidateEntry(long parent, FileName name, boolean expireOnly) {
        send(new NotifyInvalEntryOut(parent, expireOnly ? EXPIRE_ONLY : 0, name));
    }

    @Override
    public void delete(long parent, long child, FileName name) {
        send(new NotifyDeleteOut(parent, child, name));
    }

    @Override
    public void store(long nodeid, long offset, ByteBuf data) {
        send(new NotifyStoreOut(nodeid, offset, data));
    }

    @Override
    public CompletionStage<byte[]> retrieve(long nodeid, long offset, int size) {
        long id = retrieveIds.incrementAndGet();
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        retrieves.put(id, result);
        try {
            send(new NotifyRetrieveOut(id, nodeid, offset, size));
        } catch (RuntimeException failure) {
            retrieves.remove(id);
            throw failure;
        }
        return result;
    }

    @Override
    public void pollWakeup(long kh) {
        send(new NotifyPollOut(kh));
    }

    /** A NOTIFY_REPLY: the data a retrieve asked for. */
    void retrieveReply(long id, NotifyReplyIn reply) {
        CompletableFuture<byte[]> pending = retrieves.remove(id);
        if (pending != null) {
            byte[] data = new byte[reply.data().readableBytes()];
            reply.data().getBytes(reply.data().readerIndex(), data);
            pending.complete(data);
        }
    }

    /** Fails every pending retrieve: the session is over. */
    void sessionEnded() {
        for (Long id : retrieves.keySet()) {
            CompletableFuture<byte[]> pending = retrieves.remove(id);
            if (pending != null) {
                pending.completeExceptionally(new ErrnoException(Errno.ENOTCONN, "the FUSE session ended"));
            }
        }
    }
}
