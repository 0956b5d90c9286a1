package io.virtiofs.examples.memfs;

import io.virtiofs.api.FileName;
import java.util.Collection;
import java.util.HashMap;
import java.util.TreeMap;
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
     * One name in the directory.
     *
     * @param name the name
     * @param inode the node it names
     * @param cookie its readdir offset
     */
    record DirEntry(FileName name, Inode inode, long cookie) {
    }

    private final HashMap<FileName, DirEntry> byName = new HashMap<>();
    private final TreeMap<Long, DirEntry> byCookie = new TreeMap<>();
    private long nextCookie = FIRST_COOKIE;

    /** The node named {@code name}, or null. */
    @Nullable Inode get(FileName name) {
        DirEntry entry = byName.get(name);
        return entry == null ? null : entry.inode();
    }

    /** Adds a name that is not present, with a new cookie. */
    void insert(FileName name, Inode inode) {
        DirEntry entry = new DirEntry(name, inode, nextCookie++);
        DirEntry previous = byName.putIfAbsent(name, entry);
        if (previous != null) {
            throw new IllegalStateException("name " + name + " is already in the directory");
        }
        byCookie.put(entry.cookie(), entry);
    }

    /** Removes a name; returns the node it named, or null if absent. */
    @Nullable Inode remove(FileName name) {
        DirEntry entry = byName.remove(name);
        if (entry == null) {
            return null;
        }
        byCookie.remove(entry.cookie());
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
        byCookie.put(entry.cookie(), entry);
    }

    /** The entries with cookies above {@code cookie}, in cookie order (a live view). */
    Collection<DirEntry> after(long cookie) {
        return byCookie.tailMap(cookie, false).values();
    }

    int size() {
        return byName.size();
    }

    boolean isEmpty() {
        return byName.isEmpty();
    }
}
