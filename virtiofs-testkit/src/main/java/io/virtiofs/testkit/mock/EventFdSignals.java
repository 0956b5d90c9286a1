package io.virtiofs.testkit.mock;

import io.virtiofs.transport.internal.Threads;
import io.virtiofs.transport.internal.nativeio.EventFdCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.vhostuser.EventFdCall;
import io.virtiofs.transport.vhostuser.EventFdKick;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The eventfds of {@link MockDriver.Signals#EVENTFDS}. Per queue: a kick eventfd that the driver
 * writes and the device's {@link EventFdKick} waits on, and a call eventfd that the device's
 * {@link EventFdCall} writes and a relay thread reads, raising the driver queue's interrupt.
 *
 * <p>The wrappers own the descriptors. {@link #close()} runs after the device has stopped its
 * queues: it wakes and joins the relays, then retires the wrappers, which close the descriptors.
 */
final class EventFdSignals implements AutoCloseable {

    private final EventFdKick[] kicks;
    private final EventFdCall[] calls;
    private final int[] callFds;
    private final Thread[] relays;
    private volatile boolean closing;

    private EventFdSignals(int queues) {
        kicks = new EventFdKick[queues];
        calls = new EventFdCall[queues];
        callFds = new int[queues];
        relays = new Thread[queues];
    }

    /**
     * Eventfds for {@code queues}, whose kicks now go to them.
     *
     * @throws UncheckedIOException when an eventfd cannot be made (nothing is left open)
     */
    static EventFdSignals open(DriverQueue[] queues) {
        EventFdSignals signals = new EventFdSignals(queues.length);
        try {
            for (int i = 0; i < queues.length; i++) {
                signals.add(i, queues[i]);
            }
        } catch (IOException e) {
            signals.close();
            throw new UncheckedIOException("the in-process driver could not make its eventfds", e);
        }
        return signals;
    }

    private void add(int index, DriverQueue queue) throws IOException {
        int kickFd = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC);
        kicks[index] = new EventFdKick(kickFd); // owns kickFd, closes it if this fails
        queue.setKicker(() -> {
            try {
                EventFdCalls.write(kickFd, 1);
            } catch (NativeException e) {
                throw new UncheckedIOException("kicking queue " + index + " failed", e);
            }
        });
        int callFd = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC);
        calls[index] = new EventFdCall(callFd);
        callFds[index] = callFd;
        relays[index] = Thread.ofPlatform().daemon().name("virtiofs-mock-call-" + index).start(() -> relay(callFd, queue));
    }

    /** Turns the device's calls into the queue's interrupts until {@link #close()}. */
    private void relay(int callFd, DriverQueue queue) {
        try {
            while (true) {
                EventFdCalls.read(callFd);
                if (closing) {
                    return;
                }
                queue.interrupt();
            }
        } catch (NativeException e) {
            if (!closing) {
                throw new UncheckedIOException("reading the call eventfd failed", e);
            }
        }
    }

    EventFdKick kick(int index) {
        return kicks[index];
    }

    EventFdCall call(int index) {
        return calls[index];
    }

    @Override
    public void close() {
        closing = true;
        List<Thread> started = new ArrayList<>();
        for (int i = 0; i < relays.length; i++) {
            if (relays[i] == null) {
                continue;
            }
            try {
                EventFdCalls.write(callFds[i], 1); // the relay is blocked reading it
            } catch (NativeException e) {
                throw new UncheckedIOException("waking the call relay of queue " + i + " failed", e);
            }
            started.add(relays[i]);
        }
        if (Threads.joinAll(started)) {
            Thread.currentThread().interrupt();
        }
        for (int i = 0; i < kicks.length; i++) {
            if (calls[i] != null) {
                calls[i].close();
            }
            if (kicks[i] != null) {
                kicks[i].close();
            }
        }
    }
}
