package io.virtiofs.s3;

import io.virtiofs.s3.store.ObjectInfo;
import org.jspecify.annotations.Nullable;

/** One open file: its node, how it was opened, the version it reads and where its reader is. */
final class Handle {

    final Node node;
    final boolean writable;
    /** The object as it was when opened (reads of a node with no pending data come from it). */
    final @Nullable ObjectInfo opened;
    /** Where the next sequential read would start; guarded by this handle. */
    long nextOffset;
    /** How far ahead read-ahead has been started; guarded by this handle. */
    long readAheadTo = -1;

    Handle(Node node, boolean writable, @Nullable ObjectInfo opened) {
        this.node = node;
        this.writable = writable;
        this.opened = opened;
    }
}
