package io.virtiofs.examples.memfs;

import io.virtiofs.api.DirectoryPlusSink;
import io.virtiofs.api.DirectorySink;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import java.time.Instant;
import java.util.concurrent.locks.Lock;

/**
 * FUSE_READDIR and FUSE_READDIRPLUS: "." (offset 1), ".." (offset 2), then the names in cookie
 * order ({@link DirectoryEntries}), from the offset the driver gives back, until the sink is full.
 *
 * <p>A removed directory (still open, or remembered by the driver) answers {@code ENOENT}.
 *
 * <p>Readdirplus answers each name with its node, as lookup would; every entry the sink accepts
 * counts one lookup of its node (except "." and "..", which the driver does not count), so the
 * driver's forgets balance. The directory's read lock is held while listing, so other readers
 * and lookups proceed while names cannot change under the listing.
 */
final class DirectoryListing {

    private final InodeTable inodes;
    private final MemFsConfig config;

    DirectoryListing(InodeTable inodes, MemFsConfig config) {
        this.inodes = inodes;
        this.config = config;
    }

    /** Lists {@code nodeid} from {@code offset} into {@code sink}. */
    void readdir(long nodeid, long offset, DirectorySink sink) {
        DirectoryInode dir = inodes.directory(nodeid);
        Lock read = dir.readLock();
        read.lock();
        try {
            checkNotRemoved(dir);
            if (offset < DirectoryEntries.DOT_COOKIE
                    && !sink.add(FileName.DOT, DirectoryEntries.DOT_COOKIE, dir.type(), dir.id())) {
                return;
            }
            if (offset < DirectoryEntries.DOT_DOT_COOKIE) {
                DirectoryInode parent = dir.parent();
                if (!sink.add(FileName.DOT_DOT, DirectoryEntries.DOT_DOT_COOKIE, parent.type(), parent.id())) {
                    return;
                }
            }
            for (DirectoryEntries.DirEntry entry : dir.entriesAfterLocked(offset)) {
                if (!sink.add(entry.name(), entry.cookie(), entry.type(), entry.ino())) {
                    return;
                }
            }
        } finally {
            read.unlock();
            accessed(dir);
        }
    }

    /** Lists {@code nodeid} from {@code offset} with each name's node; accepted entries count lookups. */
    void readdirplus(long nodeid, long offset, DirectoryPlusSink sink) {
        DirectoryInode dir = inodes.directory(nodeid);
        Lock read = dir.readLock();
        read.lock();
        try {
            checkNotRemoved(dir);
            if (offset < DirectoryEntries.DOT_COOKIE && !sink.add(FileName.DOT, DirectoryEntries.DOT_COOKIE, dir.entry())) {
                return;
            }
            if (offset < DirectoryEntries.DOT_DOT_COOKIE
                    && !sink.add(FileName.DOT_DOT, DirectoryEntries.DOT_DOT_COOKIE, dir.parent().entry())) {
                return;
            }
            for (DirectoryEntries.DirEntry entry : dir.entriesAfterLocked(offset)) {
                Inode inode = entry.inode();
                if (!sink.add(entry.name(), entry.cookie(), inode.entry())) {
                    return;
                }
                // Accepted: the driver now holds one more lookup. The read lock keeps the name,
                // so the node cannot be freed before the count is taken.
                inode.addLookup();
            }
        } finally {
            read.unlock();
            accessed(dir);
        }
    }

    /** A removed directory cannot be listed ({@code ENOENT}, as Linux's {@code iterate_dir} answers). */
    private static void checkNotRemoved(DirectoryInode dir) {
        if (dir.isRemoved()) {
            throw new ErrnoException(Errno.ENOENT, "directory " + dir.id() + " was removed");
        }
    }

    private void accessed(DirectoryInode dir) {
        if (config.atimePolicy() != AtimePolicy.NEVER) {
            Instant now = config.clock().instant();
            dir.accessed(now, config.atimePolicy());
        }
    }
}
