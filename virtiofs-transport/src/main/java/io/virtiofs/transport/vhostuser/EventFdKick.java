package io.virtiofs.transport.vhostuser;

import io.virtiofs.transport.device.KickEvent;
import io.virtiofs.transport.internal.nativeio.EventFdCalls;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.PollSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;

/**
 * A vring's kick eventfd from the front-end (vhost-user SET_VRING_KICK) as the device's
 * {@link KickEvent}: a queue worker waits in {@code poll(2)} on it and on a private wake eventfd,
 * and consumes the counter it finds.
 *
 * <p>Retiring ({@link #close()}) wakes a waiting worker and closes both descriptors once no thread
 * uses them.
 *
 * <p>Public for transports other than vhost-user whose driver signals through an eventfd, and for
 * the in-process driver's eventfd mode ({@code MockDriver.Signals.EVENTFDS}).
 */
public final class EventFdKick implements KickEvent, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(EventFdKick.class.getName());
    private static final int KICK = 0;
    private static final int WAKE = 1;

    private final int kickFd;
    private final int wakeFd;
    private final Arena arena = Arena.ofShared();
    private final PollSet poll;
    private final UseCount uses;

    /**
     * @param kickFd the front-end's eventfd, owned from now on
     * @throws IOException if the wake eventfd cannot be created (the kick descriptor is closed)
     */
    public EventFdKick(int kickFd) throws IOException {
        this.kickFd = kickFd;
        try {
            this.wakeFd = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC | EventFdCalls.EFD_NONBLOCK);
        } catch (NativeException e) {
            ReceivedFds.closeQuietly(kickFd);
            arena.close();
            throw e;
        }
        this.poll = new PollSet(arena, 2);
        poll.set(KICK, kickFd, PollSet.POLLIN);
        poll.set(WAKE, wakeFd, PollSet.POLLIN);
        this.uses = new UseCount(this::closeNow);
    }

    /**
     * Waits for a kick or a wake. One thread waits at a time (the queue's worker); returns at once
     * when the kick was retired.
     */
    @Override
    public void awaitKick() {
        if (!uses.enter()) {
            return;
        }
        try {
            while (FileCalls.poll(poll, -1) == 0) {
                // EINTR: wait again.
            }
            if (poll.revents(KICK) != 0) {
                drain(kickFd);
            }
            if (poll.revents(WAKE) != 0) {
                drain(wakeFd);
            }
        } catch (NativeException e) {
            throw new UncheckedIOException("waiting for a kick failed", e);
        } finally {
            uses.exit();
        }
    }

    private static void drain(int fd) throws NativeException {
        try {
            EventFdCalls.read(fd);
        } catch (NativeException e) {
            if (e.errno() != io.virtiofs.api.Errno.EAGAIN) {
                throw e;
            }
        }
    }

    @Override
    public void wake() {
        if (!uses.enter()) {
            return;
        }
        try {
            EventFdCalls.write(wakeFd, 1);
        } catch (NativeException e) {
            LOG.log(System.Logger.Level.WARNING, "waking a kick waiter failed", e);
        } finally {
            uses.exit();
        }
    }

    /** Retires the kick: wakes a waiter; the descriptors close when it has left. */
    @Override
    public void close() {
        wake();
        uses.retire();
    }

    boolean isClosed() {
        return uses.isClosed();
    }

    private void closeNow() {
        ReceivedFds.closeQuietly(kickFd);
        ReceivedFds.closeQuietly(wakeFd);
        arena.close();
    }
}
