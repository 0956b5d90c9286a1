package io.virtiofs.examples.memfs;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import org.jspecify.annotations.Nullable;

/**
 * A table from 64-bit ids to objects, for the ids memfs hands to the driver: nodeids (inodes) and
 * file handles (open files).
 *
 * <p>Ids come from a counter and are never reused, so the table is a directory of fixed-size
 * pages indexed by {@code id >>> PAGE_SHIFT}. {@link #get} takes no lock and allocates nothing
 * (a {@code Map<Long, T>} would box the id on every request); {@link #add} and {@link #remove}
 * take a short lock. A page is dropped once all its ids have been handed out and removed again,
 * so a file system that creates and deletes files for a long time does not grow.
 *
 * <p>Publication: a slot is written with release semantics after the object is built, and read
 * with acquire semantics, so a reader that finds an object sees it fully constructed.
 *
 * @param <T> what the ids name
 */
final class IdTable<T> {

    private static final int PAGE_SHIFT = 10;
    private static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    private static final int PAGE_MASK = PAGE_SIZE - 1;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final VarHandle PAGE = MethodHandles.arrayElementVarHandle(Page[].class);

    /** One page of slots and the number of them in use (guarded by the table's write lock). */
    private static final class Page {
        final Object[] slots = new Object[PAGE_SIZE];
        int live;
    }

    private final ReentrantLock writeLock = new ReentrantLock();
    /** Replaced (never changed in length) when it grows; its elements change with release writes. */
    private volatile Page[] directory = new Page[8];
    /** The next id to hand out; guarded by {@link #writeLock}. */
    private long nextId;

    /** A table whose first id is {@code firstId} (1 for nodeids and file handles: 0 means "none"). */
    IdTable(long firstId) {
        if (firstId < 0) {
            throw new IllegalArgumentException("first id " + firstId + " is negative");
        }
        this.nextId = firstId;
    }

    /**
     * Hands out the next id and stores what {@code factory} builds for it.
     *
     * @throws ErrnoException {@code ENOSPC} if the ids are exhausted (after about 2^40 of them)
     */
    long add(LongFunction<? extends T> factory) {
        writeLock.lock();
        try {
            long id = nextId;
            long pageNumber = id >>> PAGE_SHIFT;
            if (pageNumber >= Integer.MAX_VALUE - 8) {
                throw new ErrnoException(Errno.ENOSPC, "memfs has handed out all its ids");
            }
            T value = factory.apply(id);
            Page[] pages = directory;
            int index = (int) pageNumber;
            if (index >= pages.length) {
                pages = Arrays.copyOf(pages, Math.max(pages.length * 2, index + 1));
                directory = pages; // volatile write: readers see the grown directory with its pages
            }
            Page page = pages[index];
            if (page == null) {
                page = new Page();
                publishPageRelease(pages, index, page);
            }
            page.live++;
            publishSlotRelease(page, id, value);
            nextId = id + 1;
            return id;
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Stores {@code value} under a given free {@code id} (a migrated table), and hands out ids
     * after it from then on.
     *
     * @throws IllegalArgumentException if the id is negative, too large, or taken
     */
    void restore(long id, T value) {
        writeLock.lock();
        try {
            long pageNumber = id >>> PAGE_SHIFT;
            if (id < 0 || pageNumber >= Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("id " + id + " is outside the table");
            }
            Page[] pages = directory;
            int index = (int) pageNumber;
            if (index >= pages.length) {
                pages = Arrays.copyOf(pages, Math.max(pages.length * 2, index + 1));
                directory = pages;
            }
            Page page = pages[index];
            if (page == null) {
                page = new Page();
                publishPageRelease(pages, index, page);
            }
            if (slotAcquire(page, id) != null) {
                throw new IllegalArgumentException("id " + id + " is taken");
            }
            page.live++;
            publishSlotRelease(page, id, value);
            nextId = Math.max(nextId, id + 1);
        } finally {
            writeLock.unlock();
        }
    }

    /** The next id {@link #add} hands out. */
    long nextId() {
        writeLock.lock();
        try {
            return nextId;
        } finally {
            writeLock.unlock();
        }
    }

    /** Hands out ids from {@code next} on, if that is beyond the ids handed out so far. */
    void advanceTo(long next) {
        writeLock.lock();
        try {
            nextId = Math.max(nextId, next);
        } finally {
            writeLock.unlock();
        }
    }

    /** The object with this id, or null if there is none (never handed out, or removed). */
    @Nullable T get(long id) {
        if (id < 0) {
            return null;
        }
        long pageNumber = id >>> PAGE_SHIFT;
        Page[] pages = directory;
        if (pageNumber >= pages.length) {
            return null;
        }
        Page page = pageAcquire(pages, (int) pageNumber);
        return page == null ? null : slotAcquire(page, id);
    }

    /** Removes {@code expected} from its id; false if the id holds something else or nothing. */
    boolean remove(long id, T expected) {
        writeLock.lock();
        try {
            long pageNumber = id >>> PAGE_SHIFT;
            Page[] pages = directory;
            if (id < 0 || pageNumber >= pages.length) {
                return false;
            }
            int index = (int) pageNumber;
            Page page = pages[index];
            if (page == null || slotAcquire(page, id) != expected) {
                return false;
            }
            publishSlotRelease(page, id, null);
            page.live--;
            boolean allHandedOut = (pageNumber + 1) << PAGE_SHIFT <= nextId;
            if (page.live == 0 && allHandedOut) {
                publishPageRelease(pages, index, null);
            }
            return true;
        } finally {
            writeLock.unlock();
        }
    }

    /** Calls {@code action} for every object in the table now (a snapshot taken page by page). */
    void forEach(Consumer<? super T> action) {
        Page[] pages = directory;
        for (int index = 0; index < pages.length; index++) {
            Page page = pageAcquire(pages, index);
            if (page == null) {
                continue;
            }
            for (int slot = 0; slot < PAGE_SIZE; slot++) {
                T value = slotAcquire(page, slot);
                if (value != null) {
                    action.accept(value);
                }
            }
        }
    }

    private static @Nullable Page pageAcquire(Page[] pages, int index) {
        return (Page) PAGE.getAcquire(pages, index);
    }

    private static void publishPageRelease(Page[] pages, int index, @Nullable Page page) {
        PAGE.setRelease(pages, index, page);
    }

    @SuppressWarnings("unchecked")
    private static <T> @Nullable T slotAcquire(Page page, long id) {
        return (T) SLOT.getAcquire(page.slots, (int) (id & PAGE_MASK));
    }

    private static void publishSlotRelease(Page page, long id, @Nullable Object value) {
        // Release: the object's fields (written by its constructor) become visible before the
        // reference does, to any reader that loads the slot with acquire.
        SLOT.setRelease(page.slots, (int) (id & PAGE_MASK), value);
    }
}
