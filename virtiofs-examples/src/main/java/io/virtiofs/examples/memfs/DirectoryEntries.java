package io.virtiofs.examples.memfs;

import io.virtiofs.api.FileName;
import io.virtiofs.api.FileType;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.jspecify.annotations.Nullable;

/**
 * The names of one directory, with readdir offsets that stay valid while the directory changes.
 *
 * <p>Each name gets a <em>cookie</em> when it is inserted: the next value of a counter that only
 * grows. A readdir answers entries in cookie order and gives each entry's cookie as the offset to
 * continue from; continuing from cookie {@code c} lists the entries with cookies above {@code c}.
 * So an entry that stays in the directory is listed exactly once however the directory changes
 * between two readdir calls, and a deleted cookie is still a valid place to continue from
 * (POSIX leaves open whether entries added or removed meanwhile are listed; here an added entry
 * is listed if the listing has not yet passed its cookie).
 *
 * <p>Cookies 1 and 2 are the offsets after "." and ".."; names start at {@link #FIRST_COOKIE}.
 *
 * <p>Since cookies grow with every insertion, the entries are kept in an array in insertion
 * order, which is cookie order: a listing finds where to continue by binary search and walks the
 * array, and each entry holds what a READDIR answers (the node's number and type next to the
 * name). A removed entry leaves a hole, closed up when holes are half of the array. A listing of
 * a guest's large directory ran cold through memory, about 26 us per page of 128 names where a
 * benchmark with everything cached takes 3; walking a tree map by cookie and then each node for
 * its number and type cost two more dependent loads per name than this.
 *
 * <p>Not thread-safe: {@link DirectoryInode} guards it with its read-write lock.
 */
final class DirectoryEntries {

    /** The offset after ".". */
    static final long DOT_COOKIE = 1;
    /** The offset after "..". */
    static final long DOT_DOT_COOKIE = 2;
    /** The cookie of the first name ever inserted. */
    static final long FIRST_COOKIE = 3;

    /**
     * One name in the directory, with the node's number and dirent type for READDIR (both fixed
     * for the node's life, so a listing need not load the node).
     *
     * @param name the name
     * @param inode the node it names
     * @param cookie its readdir offset
     * @param ino the node's number
     * @param type the node's type, as a dirent gives it
     */
    record DirEntry(FileName name, Inode inode, long cookie, long ino, FileType type) {

        DirEntry(FileName name, Inode inode, long cookie) {
            this(name, inode, cookie, inode.id(), inode.type());
        }
    }

    private static final int INITIAL_SLOTS = 8;
    /** Arrays below this many slots are not closed up. */
    private static final int COMPACT_FROM = 64;

    private final HashMap<FileName, DirEntry> byName = new HashMap<>();
    /** The entries in cookie order; a removed one is a null until the holes are closed up. */
    private DirEntry[] ordered = new DirEntry[INITIAL_SLOTS];
    /** {@code cookies[i]} is the cookie of {@code ordered[i]}, kept for holes too: sorted. */
    private long[] cookies = new long[INITIAL_SLOTS];
    /** Slots in use, entries and holes. */
    private int used;
    private long nextCookie = FIRST_COOKIE;

    /** The node named {@code name}, or null. */
    @Nullable Inode get(FileName name) {
        DirEntry entry = byName.get(name);
        return entry == null ? null : entry.inode();
    }

    /** Adds a name that is not present, with a new cookie. */
    void insert(FileName name, Inode inode) {
        DirEntry entry = new DirEntry(name, inode, nextCookie);
        DirEntry previous = byName.putIfAbsent(name, entry);
        if (previous != null) {
            throw new IllegalStateException("name " + name + " is already in the directory");
        }
        nextCookie++;
        if (used == ordered.length && !compactIfHoley()) {
            ordered = Arrays.copyOf(ordered, used * 2);
            cookies = Arrays.copyOf(cookies, used * 2);
        }
        ordered[used] = entry;
        cookies[used] = entry.cookie();
        used++;
    }

    /**
     * Adds a name with a given cookie (a migrated directory): cookies must come in rising order,
     * above every cookie present.
     */
    void restore(FileName name, Inode inode, long cookie) {
        if (cookie < FIRST_COOKIE || (used > 0 && cookies[used - 1] >= cookie)) {
            throw new IllegalArgumentException("cookie " + cookie + " is out of order");
        }
        DirEntry entry = new DirEntry(name, inode, cookie);
        if (byName.putIfAbsent(name, entry) != null) {
            throw new IllegalArgumentException("name " + name + " twice in one directory");
        }
        if (used == ordered.length) {
            ordered = Arrays.copyOf(ordered, used * 2);
            cookies = Arrays.copyOf(cookies, used * 2);
        }
        ordered[used] = entry;
        cookies[used] = cookie;
        used++;
        nextCookie = Math.max(nextCookie, cookie + 1);
    }

    /** The cookie the next name gets. */
    long nextCookie() {
        return nextCookie;
    }

    /** Gives later names cookies from {@code next} on (a migrated directory keeps its offsets). */
    void advanceCookie(long next) {
        nextCookie = Math.max(nextCookie, next);
    }

    /** Removes a name; returns the node it named, or null if absent. */
    @Nullable Inode remove(FileName name) {
        DirEntry entry = byName.remove(name);
        if (entry == null) {
            return null;
        }
        ordered[slotOf(entry.cookie())] = null;
        compactIfHoley();
        return entry.inode();
    }

    /**
     * Points an existing name at another node, keeping its cookie (RENAME_EXCHANGE: the names stay
     * where they are, the nodes swap).
     */
    void replace(FileName name, Inode inode) {
        DirEntry old = byName.get(name);
        if (old == null) {
            throw new IllegalStateException("name " + name + " is not in the directory");
        }
        DirEntry entry = new DirEntry(name, inode, old.cookie());
        byName.put(name, entry);
        ordered[slotOf(entry.cookie())] = entry;
    }

    /**
     * The entries with cookies above {@code cookie}, in cookie order; valid until the directory
     * changes (its owner walks them under the directory's lock).
     */
    Iterable<DirEntry> after(long cookie) {
        int found = Arrays.binarySearch(cookies, 0, used, cookie);
        int from = found >= 0 ? found + 1 : -(found + 1);
        return () -> new Walk(from);
    }

    /** The slot of an entry in the directory. */
    private int slotOf(long cookie) {
        int slot = Arrays.binarySearch(cookies, 0, used, cookie);
        if (slot < 0) {
            throw new IllegalStateException("cookie " + cookie + " is not in the directory");
        }
        return slot;
    }

    /** Closes up the holes when they are half of a large array; returns whether it did. */
    private boolean compactIfHoley() {
        int live = byName.size();
        if (used < COMPACT_FROM || used - live < used / 2) {
            return false;
        }
        int to = 0;
        for (int from = 0; from < used; from++) {
            DirEntry entry = ordered[from];
            if (entry != null) {
                ordered[to] = entry;
                cookies[to] = cookies[from];
                to++;
            }
        }
        Arrays.fill(ordered, to, used, null);
        used = to;
        return true;
    }

    /** Walks the entries from a slot, over the holes. */
    private final class Walk implements Iterator<DirEntry> {
        private int slot;

        Walk(int from) {
            slot = skipHoles(from);
        }

        private int skipHoles(int from) {
            int at = from;
            while (at < used && ordered[at] == null) {
                at++;
            }
            return at;
        }

        @Override
        public boolean hasNext() {
            return slot < used;
        }

        @Override
        public DirEntry next() {
            if (slot >= used) {
                throw new NoSuchElementException();
            }
            DirEntry entry = ordered[slot];
            slot = skipHoles(slot + 1);
            return entry;
        }
    }

    int size() {
        return byName.size();
    }

    boolean isEmpty() {
        return byName.isEmpty();
    }
}
