package io.virtiofs.api;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletionStage;

/** {@link Notifier#UNSUPPORTED}. */
final class UnsupportedNotifier implements Notifier {

    private static ErrnoException unsupported() {
        return new ErrnoException(Errno.ENOSYS, "this transport carries no notifications");
    }

    @Override
    public boolean isSupported() {
        return false;
    }

    @Override
    public void invalidateInode(long nodeid, long offset, long length) {
        throw unsupported();
    }

    @Override
    public void invalidateEntry(long parent, FileName name, boolean expireOnly) {
        throw unsupported();
    }

    @Override
    public void delete(long parent, long child, FileName name) {
        throw unsupported();
    }

    @Override
    public void store(long nodeid, long offset, ByteBuf data) {
        throw unsupported();
    }

    @Override
    public CompletionStage<byte[]> retrieve(long nodeid, long offset, int size) {
        throw unsupported();
    }

    @Override
    public void pollWakeup(long kh) {
        throw unsupported();
    }

    @Override
    public String toString() {
        return "Notifier.UNSUPPORTED";
    }
}
