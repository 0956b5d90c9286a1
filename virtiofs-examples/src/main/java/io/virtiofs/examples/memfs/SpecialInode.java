package io.virtiofs.examples.memfs;

import io.virtiofs.api.FileType;

/**
 * A fifo, a socket or a device node made by mknod. memfs stores only its metadata: the driver
 * opens the device or pipe itself and never sends reads or writes for it here.
 */
final class SpecialInode extends Inode {

    private final int rdev;

    SpecialInode(long id, FileType type, MemFsConfig config, InodeInit init, int rdev) {
        super(id, type, config, init);
        if (type == FileType.REGULAR || type == FileType.DIRECTORY || type == FileType.SYMLINK) {
            throw new IllegalArgumentException(type + " is not a special file type");
        }
        boolean device = type == FileType.CHARACTER_DEVICE || type == FileType.BLOCK_DEVICE;
        this.rdev = device ? rdev : 0;
        publishInitial();
    }

    @Override
    long size() {
        return 0;
    }

    @Override
    int rdev() {
        return rdev;
    }
}
