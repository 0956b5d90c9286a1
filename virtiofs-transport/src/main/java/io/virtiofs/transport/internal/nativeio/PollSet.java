package io.virtiofs.transport.internal.nativeio;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * A reusable array of {@code struct pollfd} for {@link FileCalls#poll}: set the descriptors and
 * wanted events once, poll many times, read each entry's returned events.
 *
 * <p>Lives in its owner's arena; not thread-safe (one thread polls a set).
 */
public final class PollSet {

    /** {@code POLLIN}: there is data to read. */
    public static final short POLLIN = 0x1;
    /** {@code POLLOUT}: writing will not block. */
    public static final short POLLOUT = 0x4;
    /** {@code POLLERR}: an error condition (returned only). */
    public static final short POLLERR = 0x8;
    /** {@code POLLHUP}: hang up (returned only). */
    public static final short POLLHUP = 0x10;
    /** {@code POLLNVAL}: the descriptor is not open (returned only). */
    public static final short POLLNVAL = 0x20;

    /** {@code struct pollfd}: {@code int fd; short events; short revents;}. */
    private static final StructLayout POLLFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));
    private static final VarHandle FD = POLLFD.arrayElementVarHandle(MemoryLayout.PathElement.groupElement("fd"));
    private static final VarHandle EVENTS = POLLFD.arrayElementVarHandle(MemoryLayout.PathElement.groupElement("events"));
    private static final VarHandle REVENTS = POLLFD.arrayElementVarHandle(MemoryLayout.PathElement.groupElement("revents"));

    private final MemorySegment array;
    private final int size;

    /** A set of {@code size} entries, each with descriptor -1 (ignored by poll) and no events. */
    public PollSet(Arena arena, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("poll set size " + size + " is less than 1");
        }
        this.size = size;
        this.array = arena.allocate(POLLFD, size);
        for (int i = 0; i < size; i++) {
            set(i, -1, (short) 0);
        }
    }

    /** Sets entry {@code index} to wait for {@code events} on {@code fd}, and clears its returned events. */
    public void set(int index, int fd, short events) {
        checkIndex(index);
        FD.set(array, 0L, (long) index, fd);
        EVENTS.set(array, 0L, (long) index, events);
        REVENTS.set(array, 0L, (long) index, (short) 0);
    }

    /** The descriptor of entry {@code index}. */
    public int fd(int index) {
        checkIndex(index);
        return (int) FD.get(array, 0L, (long) index);
    }

    /** The events the last poll returned for entry {@code index} (bits such as {@link #POLLIN}). */
    public int revents(int index) {
        checkIndex(index);
        return (short) REVENTS.get(array, 0L, (long) index) & 0xffff;
    }

    /** The number of entries. */
    public int size() {
        return size;
    }

    MemorySegment array() {
        return array;
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("poll set index " + index + " is outside 0.." + (size - 1));
        }
    }
}
