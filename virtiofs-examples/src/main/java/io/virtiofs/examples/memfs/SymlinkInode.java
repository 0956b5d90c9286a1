package io.virtiofs.examples.memfs;

import io.virtiofs.api.FileType;
import io.virtiofs.api.SymlinkTarget;

/** A symbolic link: its target never changes, and its size is the target's length in bytes. */
final class SymlinkInode extends Inode {

    private final SymlinkTarget target;

    SymlinkInode(long id, MemFsConfig config, InodeInit init, SymlinkTarget target) {
        super(id, FileType.SYMLINK, config, init);
        this.target = target;
        publishInitial();
    }

    SymlinkTarget target() {
        return target;
    }

    @Override
    long size() {
        return target.length();
    }
}
