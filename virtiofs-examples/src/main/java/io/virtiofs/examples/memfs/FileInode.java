package io.virtiofs.examples.memfs;

import io.virtiofs.api.FileType;

/**
 * A regular file: metadata plus {@link FileData}. Lock order: the data lock before the metadata
 * lock (a write changes the data, then the times).
 */
final class FileInode extends Inode {

    private final FileData data;
    /**
     * Whether {@code linkat} may give this nameless file a name: an O_TMPFILE file made without
     * O_EXCL, until it is linked (Linux's {@code I_LINKABLE}). Guarded by the metadata lock.
     */
    private boolean linkable;

    FileInode(long id, MemFsConfig config, InodeInit init, Capacity capacity, boolean linkable) {
        super(id, FileType.REGULAR, config, init);
        this.data = new FileData(capacity);
        this.linkable = linkable;
        publishInitial();
    }

    FileData data() {
        return data;
    }

    boolean linkableLocked() {
        return linkable;
    }

    void clearLinkableLocked() {
        linkable = false;
    }

    @Override
    long size() {
        return data.size();
    }

    @Override
    long allocatedBytes() {
        return data.allocatedBytes();
    }

    @Override
    void discardContent() {
        data.discard();
    }
}
