package io.virtiofs.transport.vhostuser;

import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.util.Arrays;

/**
 * The file descriptors that came with one message ({@code SCM_RIGHTS}), owned until taken.
 *
 * <p>Whoever keeps a descriptor {@linkplain #take(int) takes} it; {@link #close()} closes every
 * one not taken, so a message handled halfway, refused or unsupported leaks nothing. Used by one
 * thread.
 */
final class ReceivedFds implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ReceivedFds.class.getName());
    private static final ReceivedFds NONE = new ReceivedFds(new int[0]);

    private final int[] fds;
    private final boolean[] owned;

    ReceivedFds(int[] fds) {
        this.fds = fds.clone();
        this.owned = new boolean[fds.length];
        Arrays.fill(owned, true);
    }

    /** No descriptors. */
    static ReceivedFds none() {
        return NONE;
    }

    int count() {
        return fds.length;
    }

    /**
     * Descriptor {@code i}'s number, for a call that uses it without keeping it ({@code mmap});
     * it stays owned here.
     *
     * @throws IllegalStateException if it was taken or closed already
     */
    int peek(int i) {
        if (!owned[i]) {
            throw new IllegalStateException("descriptor " + i + " of this message was already taken or closed");
        }
        return fds[i];
    }

    /**
     * Hands descriptor {@code i} over to the caller, who closes it from now on.
     *
     * @throws IllegalStateException if it was taken or closed already
     */
    int take(int i) {
        if (!owned[i]) {
            throw new IllegalStateException("descriptor " + i + " of this message was already taken or closed");
        }
        owned[i] = false;
        return fds[i];
    }

    /** Closes every descriptor not taken. */
    @Override
    public void close() {
        for (int i = 0; i < fds.length; i++) {
            if (owned[i]) {
                owned[i] = false;
                closeQuietly(fds[i]);
            }
        }
    }

    /** Closes {@code fd}, logging a failure: used where nothing better can be done about it. */
    static void closeQuietly(int fd) {
        try {
            FileCalls.close(fd);
        } catch (NativeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing descriptor " + fd + " failed", e);
        }
    }

    @Override
    public String toString() {
        return "ReceivedFds" + Arrays.toString(fds);
    }
}
