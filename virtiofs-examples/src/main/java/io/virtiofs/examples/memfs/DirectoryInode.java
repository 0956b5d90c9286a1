package io.virtiofs.examples.memfs;

import io.virtiofs.api.FileName;
import io.virtiofs.api.FileType;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jspecify.annotations.Nullable;

/**
 * A directory: its names ({@link DirectoryEntries}), its parent, and the lock that guards both.
 *
 * <p><b>Entries lock.</b> Lookups and readdir take the read lock, so they run in parallel in one
 * directory; changes of names take the write lock. Operations on different directories do not
 * share a lock.
 *
 * <p><b>The lock order of memfs</b>, which keeps it free of deadlocks:
 * <ol>
 * <li>the cross-directory mutex of {@link Rename}, under which the tree's shape is fixed;
 * <li>entries locks: an ancestor before its descendant (rmdir locks the parent, then the directory
 *     being removed; a rename locks both parents, then a directory it replaces), and two unrelated
 *     directories (only a cross-directory rename locks those) by nodeid;
 * <li>{@link FileData} locks (never held with an entries lock): two files by nodeid;
 * <li>leaf locks, under which nothing else is taken: an inode's metadata lock
 *     ({@link Inode#lockMeta()}), a {@link LockTable}'s lock, and the {@link IdTable} lock (which
 *     only takes the metadata lock of the inode it is adding, which no other thread can see yet).
 * </ol>
 *
 * <p>The link count is 2 plus the number of subdirectories (for their ".."); the size is
 * {@value #DIRENT_SIZE} bytes per name plus two for "." and "..", as tmpfs counts it.
 */
final class DirectoryInode extends Inode {

    /** The size a directory shows per entry, in bytes. */
    static final int DIRENT_SIZE = 20;

    private final ReentrantReadWriteLock entriesLock = new ReentrantReadWriteLock();
    private final DirectoryEntries entries = new DirectoryEntries();
    /** The parent; the root is its own parent. Changed only by rename, under the Rename mutex. */
    private volatile DirectoryInode parent;
    /** Set once by rmdir (or a rename over it), under the write lock; nothing can be added after. */
    private volatile boolean removed;
    /** The number of names, for {@link #size()}; written under the write lock. */
    private volatile int entryCount;

    /**
     * A directory in {@code parent}, or the root when {@code parent} is null.
     */
    DirectoryInode(long id, MemFsConfig config, InodeInit init, @Nullable DirectoryInode parent) {
        super(id, FileType.DIRECTORY, config, init);
        this.parent = parent == null ? this : parent;
        publishInitial();
    }

    @Override
    long size() {
        return (long) DIRENT_SIZE * (entryCount + 2);
    }

    /** Whether this is the root (its own parent). */
    boolean isRoot() {
        return parent == this;
    }

    DirectoryInode parent() {
        return parent;
    }

    /** Moves this directory under {@code newParent}; only with the Rename mutex held. */
    void setParent(DirectoryInode newParent) {
        parent = newParent;
    }

    /** Whether the directory was removed (it may still be open or remembered by the driver). */
    boolean isRemoved() {
        return removed;
    }

    Lock readLock() {
        return entriesLock.readLock();
    }

    Lock writeLock() {
        return entriesLock.writeLock();
    }

    // The methods below need the read lock (find, list, isEmpty) or the write lock (the rest).

    @Nullable Inode findLocked(FileName name) {
        return entries.get(name);
    }

    boolean isEmptyLocked() {
        return entries.isEmpty();
    }

    Iterable<DirectoryEntries.DirEntry> entriesAfterLocked(long cookie) {
        return entries.after(cookie);
    }

    void insertLocked(FileName name, Inode inode) {
        entries.insert(name, inode);
        entryCount = entries.size();
    }

    @Nullable Inode removeLocked(FileName name) {
        Inode removedInode = entries.remove(name);
        entryCount = entries.size();
        return removedInode;
    }

    void replaceLocked(FileName name, Inode inode) {
        entries.replace(name, inode);
    }

    /** The names in cookie order, with their cookies (write or read lock held). */
    Iterable<DirectoryEntries.DirEntry> entriesLocked() {
        return entries.after(0);
    }

    long nextCookieLocked() {
        return entries.nextCookie();
    }

    /** A migrated name, keeping its cookie; with the write lock held. */
    void restoreEntryLocked(FileName name, Inode inode, long cookie) {
        entries.restore(name, inode, cookie);
        entryCount = entries.size();
    }

    void advanceCookieLocked(long next) {
        entries.advanceCookie(next);
    }

    /** Marks this empty directory removed; with its write lock held. */
    void markRemovedLocked() {
        if (!entries.isEmpty()) {
            throw new IllegalStateException("directory " + id() + " is not empty");
        }
        removed = true;
    }
}
