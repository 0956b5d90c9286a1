package io.virtiofs.api.node;

import io.virtiofs.api.Attr;
import io.virtiofs.api.Context;
import io.virtiofs.api.FileType;
import io.virtiofs.api.SymlinkTarget;

/** A symbolic link node; its target is fixed, or computed by overriding {@link #readlink}. */
public class SymlinkNode extends Node {

    private final SymlinkTarget target;

    public SymlinkNode(SymlinkTarget target) {
        this.target = target;
    }

    /** A link to UTF-8 {@code target}. */
    public SymlinkNode(String target) {
        this(SymlinkTarget.of(target));
    }

    @Override
    public final FileType type() {
        return FileType.SYMLINK;
    }

    /** FUSE_READLINK: the target. */
    protected SymlinkTarget readlink(Context ctx) {
        return target;
    }

    /** The size of a link is its target's length. */
    @Override
    protected void getattr(Context ctx, Attr.Builder attr) {
        attr.size(readlink(ctx).length());
    }
}
