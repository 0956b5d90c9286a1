package io.virtiofs.protocol.server;

import java.util.function.LongBinaryOperator;

/**
 * How many lookups of each node the driver holds: +1 for every entry that reached it, minus what
 * FORGET gives back. Lets the server hand the file system exactly the counts it handed out, clamp
 * a driver that forgets more than it had, and release everything when a session ends.
 *
 * <p>A striped open-addressing table of {@code long -> long}: concurrent, and allocation-free once
 * a node's slot exists (no boxed keys on the request path).
 */
final class LookupCounts {

    private static final int STRIPES = 64;
    private static final long EMPTY = 0; // nodeid 0 is never counted (negative entries)

    private final Stripe[] stripes = new Stripe[STRIPES];

    LookupCounts() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe();
        }
    }

    private Stripe stripe(long nodeid) {
        return stripes[(int) (mix(nodeid) >>> 58)];
    }

    static long mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return h ^ (h >>> 29);
    }

    /** Adds one lookup of {@code nodeid} (not 0). */
    void increment(long nodeid) {
        if (nodeid == EMPTY) {
            throw new IllegalArgumentException("nodeid 0 is never counted");
        }
        Stripe stripe = stripe(nodeid);
        synchronized (stripe) {
            stripe.add(nodeid, 1);
        }
    }

    /**
     * Takes back up to {@code nlookup} lookups of {@code nodeid}.
     *
     * @return how many were actually held and are now released (less than {@code nlookup} when
     *     the driver forgets more than it looked up)
     */
    long release(long nodeid, long nlookup) {
        if (nodeid == EMPTY || nlookup <= 0) {
            return 0;
        }
        Stripe stripe = stripe(nodeid);
        synchronized (stripe) {
            long held = stripe.get(nodeid);
            long released = Math.min(held, nlookup);
            if (released > 0) {
                stripe.add(nodeid, -released);
            }
            return released;
        }
    }

    /** The lookups held of {@code nodeid}. */
    long count(long nodeid) {
        Stripe stripe = stripe(nodeid);
        synchronized (stripe) {
            return stripe.get(nodeid);
        }
    }

    /** The number of nodes with lookups held. */
    long nodes() {
        long total = 0;
        for (Stripe stripe : stripes) {
            synchronized (stripe) {
                total += stripe.size;
            }
        }
        return total;
    }

    /** Sets the lookups held of {@code nodeid} (not 0) to {@code count} (a migrated session). */
    void restore(long nodeid, long count) {
        if (nodeid == EMPTY || count <= 0) {
            throw new IllegalArgumentException("nodeid " + nodeid + " with " + count + " lookups cannot be restored");
        }
        Stripe stripe = stripe(nodeid);
        synchronized (stripe) {
            stripe.add(nodeid, count - stripe.get(nodeid));
        }
    }

    /** Calls {@code action(nodeid, count)} for every node held, keeping them (a snapshot, stripe by stripe). */
    void forEach(java.util.function.BiConsumer<Long, Long> action) {
        for (Stripe stripe : stripes) {
            long[] keys;
            long[] values;
            synchronized (stripe) {
                keys = stripe.keys.clone();
                values = stripe.values.clone();
            }
            for (int i = 0; i < keys.length; i++) {
                if (keys[i] != EMPTY && values[i] > 0) {
                    action.accept(keys[i], values[i]);
                }
            }
        }
    }

    /** Calls {@code action(nodeid, count)} for every node held, and forgets them all. */
    void drain(LongBinaryOperator action) {
        for (Stripe stripe : stripes) {
            long[] keys;
            long[] values;
            synchronized (stripe) {
                keys = stripe.keys.clone();
                values = stripe.values.clone();
                stripe.clear();
            }
            for (int i = 0; i < keys.length; i++) {
                if (keys[i] != EMPTY && values[i] > 0) {
                    action.applyAsLong(keys[i], values[i]);
                }
            }
        }
    }

    /** One open-addressing table with linear probing and backward-shift deletion. */
    private static final class Stripe {
        private long[] keys = new long[16];
        private long[] values = new long[16];
        private int size;

        private int slot(long key, long[] table) {
            int mask = table.length - 1;
            int i = (int) mix(key) & mask;
            while (table[i] != EMPTY && table[i] != key) {
                i = (i + 1) & mask;
            }
            return i;
        }

        long get(long key) {
            int i = slot(key, keys);
            return keys[i] == key ? values[i] : 0;
        }

        void add(long key, long delta) {
            int i = slot(key, keys);
            if (keys[i] == key) {
                long value = values[i] + delta;
                if (value == 0) {
                    delete(i);
                } else {
                    values[i] = value;
                }
                return;
            }
            if (delta <= 0) {
                return;
            }
            keys[i] = key;
            values[i] = delta;
            size++;
            if (size * 4 > keys.length * 3) {
                grow();
            }
        }

        private void delete(int hole) {
            int mask = keys.length - 1;
            keys[hole] = EMPTY;
            values[hole] = 0;
            size--;
            int i = (hole + 1) & mask;
            while (keys[i] != EMPTY) {
                int home = (int) mix(keys[i]) & mask;
                // Move the entry back into the hole if the hole lies between its home and it.
                boolean movable = hole <= i ? (home <= hole || home > i) : (home <= hole && home > i);
                if (movable) {
                    keys[hole] = keys[i];
                    values[hole] = values[i];
                    keys[i] = EMPTY;
                    values[i] = 0;
                    hole = i;
                }
                i = (i + 1) & mask;
            }
        }

        private void grow() {
            long[] oldKeys = keys;
            long[] oldValues = values;
            keys = new long[oldKeys.length * 2];
            values = new long[oldKeys.length * 2];
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldKeys[i] != EMPTY) {
                    int slot = slot(oldKeys[i], keys);
                    keys[slot] = oldKeys[i];
                    values[slot] = oldValues[i];
                }
            }
        }

        void clear() {
            keys = new long[16];
            values = new long[16];
            size = 0;
        }
    }
}
