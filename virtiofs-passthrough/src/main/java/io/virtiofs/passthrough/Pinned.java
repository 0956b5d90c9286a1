package io.virtiofs.passthrough;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Something holding host descriptors that requests use while another request may end it: a
 * node the guest forgets, an open file it releases. A request pins it for its duration; ending
 * it ({@link #retire()}) closes its descriptors only once no request has it pinned, so a
 * descriptor number is never closed (and reused by another file) under a request that still
 * uses it. A hostile guest may release a handle while reading through it; this keeps that from
 * reading some other file.
 */
abstract class Pinned {

    private static final int RETIRED = 1 << 30;

    private final AtomicInteger state = new AtomicInteger();

    /** Pins this for one request; false once it is retired (then it must not be used). */
    final boolean pin() {
        while (true) {
            int s = state.get();
            if ((s & RETIRED) != 0) {
                return false;
            }
            if (state.compareAndSet(s, s + 1)) {
                return true;
            }
        }
    }

    /** Ends one request's pin; closes the descriptors if this was the last pin of a retired one. */
    final void unpin() {
        if (state.decrementAndGet() == RETIRED) {
            close();
        }
    }

    /** Ends this: no new pins; the descriptors close now or when the last pin ends. */
    final void retire() {
        while (true) {
            int s = state.get();
            if ((s & RETIRED) != 0) {
                return;
            }
            if (state.compareAndSet(s, s | RETIRED)) {
                if (s == 0) {
                    close();
                }
                return;
            }
        }
    }

    /** Whether {@link #retire()} was called. */
    final boolean isRetired() {
        return (state.get() & RETIRED) != 0;
    }

    /** Closes the host descriptors; called exactly once. */
    abstract void close();
}
