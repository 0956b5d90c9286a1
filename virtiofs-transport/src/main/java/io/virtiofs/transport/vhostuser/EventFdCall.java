package io.virtiofs.transport.vhostuser;

import io.virtiofs.transport.device.CallEvent;
import io.virtiofs.transport.internal.nativeio.EventFdCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An eventfd the back-end signals (vhost-user SET_VRING_CALL: used buffer notifications;
 * SET_VRING_ERR: vring errors), as the device's {@link CallEvent}. Queue workers call it; the
 * session may retire it meanwhile ({@link #close()}), and the descriptor closes when the last
 * caller has left.
 *
 * <p>Public for transports other than vhost-user whose driver listens on an eventfd, and for the
 * in-process driver's eventfd mode ({@code MockDriver.Signals.EVENTFDS}).
 */
public final class EventFdCall implements CallEvent, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(EventFdCall.class.getName());

    private final int fd;
    private final UseCount uses;
    private final AtomicBoolean warned = new AtomicBoolean();

    /** @param fd the front-end's eventfd, owned from now on */
    public EventFdCall(int fd) {
        this.fd = fd;
        this.uses = new UseCount(() -> ReceivedFds.closeQuietly(fd));
    }

    /**
     * Adds 1 to the eventfd's counter; does nothing once retired, or when the counter is full (a
     * non-blocking eventfd, as the back-end makes every one it receives, then fails with EAGAIN:
     * the reader has a notification pending anyway).
     */
    @Override
    public void call() {
        if (!uses.enter()) {
            return;
        }
        try {
            EventFdCalls.write(fd, 1);
        } catch (NativeException e) {
            if (e.errno() == io.virtiofs.api.Errno.EAGAIN) {
                return; // the counter is at its maximum: a notification is pending anyway
            }
            if (warned.compareAndSet(false, true)) {
                LOG.log(System.Logger.Level.WARNING, "signalling eventfd " + fd + " failed (reported once)", e);
            }
        } finally {
            uses.exit();
        }
    }

    /** Retires the eventfd: it closes now or when the last caller leaves. */
    @Override
    public void close() {
        uses.retire();
    }

    boolean isClosed() {
        return uses.isClosed();
    }
}
