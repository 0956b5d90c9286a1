package io.virtiofs.api;

/**
 * A set of {@code poll(2)} events ({@code POLL*} bits, as Linux numbers them): what a caller
 * waits for (FUSE_POLL's request) and what is ready (its answer).
 *
 * @param bits the {@code POLL*} bits
 */
public record PollEvents(int bits) {

    public static final int POLLIN = 0x001;
    public static final int POLLPRI = 0x002;
    public static final int POLLOUT = 0x004;
    public static final int POLLERR = 0x008;
    public static final int POLLHUP = 0x010;
    public static final int POLLNVAL = 0x020;
    public static final int POLLRDNORM = 0x040;
    public static final int POLLRDBAND = 0x080;
    public static final int POLLWRNORM = 0x100;
    public static final int POLLWRBAND = 0x200;
    public static final int POLLMSG = 0x400;
    public static final int POLLRDHUP = 0x2000;

    /** No event. */
    public static final PollEvents NONE = new PollEvents(0);

    /** The events of {@code bits}. */
    public static PollEvents of(int bits) {
        return bits == 0 ? NONE : new PollEvents(bits);
    }

    /** Whether every bit of {@code events} is set. */
    public boolean has(int events) {
        return (bits & events) == events;
    }

    /** Whether any event is set. */
    public boolean any() {
        return bits != 0;
    }

    /** These events and {@code events}. */
    public PollEvents with(int events) {
        return of(bits | events);
    }
}
