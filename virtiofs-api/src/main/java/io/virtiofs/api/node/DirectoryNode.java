package io.virtiofs.api.node;

import io.virtiofs.api.Attr;
import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileType;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.RenameFlags;
import io.virtiofs.api.SymlinkTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import org.jspecify.annotations.Nullable;

/**
 * A directory node.
 *
 * <p>Two ways to give it children. A tree known up front (an archive, a fixed layout) adds them
 * with {@link #addChild}: the library keeps them, and lookup and listing just work. A directory
 * whose children come from elsewhere (a remote listing, a computed view) overrides
 * {@link #lookup} and {@link #list} instead; the same name should answer the same node object
 * while it names the same thing (see {@link Node} on identity).
 *
 * <p>A listing is taken once per open directory ({@link #list} at opendir) and read from there,
 * so the offsets the driver is given stay valid across calls (telldir, seekdir, a listing read in
 * several replies) however the directory changes meanwhile, as POSIX allows.
 *
 * <p>Changes ({@link #mkdir}, {@link #create}, {@link #unlink}, {@link #rmdir}, {@link #rename},
 * {@link #symlink}) answer {@code EROFS} unless overridden.
 */
public class DirectoryNode extends Node {

    private final ConcurrentSkipListMap<FileName, Node> children = new ConcurrentSkipListMap<>();
    private volatile int subdirectories; // written under the lock of children

    public DirectoryNode() {
    }

    @Override
    public final FileType type() {
        return FileType.DIRECTORY;
    }

    // ------------------------------------------------------------------ children the library keeps

    /**
     * Adds {@code child} under {@code name}, replacing what the name named; kept by the library
     * for the default {@link #lookup} and {@link #list}.
     *
     * @return the node the name named before, or null
     */
    public final @Nullable Node addChild(FileName name, Node child) {
        if (name.isDotOrDotDot()) {
            throw new IllegalArgumentException("\"" + name + "\" is not a child's name (the library lists it)");
        }
        child.parent(this);
        synchronized (children) {
            Node replaced = children.put(name, child);
            subdirectories += isDirectory(child) - isDirectory(replaced);
            return replaced;
        }
    }

    private static int isDirectory(@Nullable Node node) {
        return node != null && node.type() == FileType.DIRECTORY ? 1 : 0;
    }

    /** {@link #addChild(FileName, Node)} with a UTF-8 name. */
    public final @Nullable Node addChild(String name, Node child) {
        return addChild(FileName.of(name), child);
    }

    /** Removes the child kept under {@code name}; the driver may go on using it until it forgets it. */
    public final @Nullable Node removeChild(FileName name) {
        synchronized (children) {
            Node removed = children.remove(name);
            subdirectories -= isDirectory(removed);
            return removed;
        }
    }

    /** The child kept under {@code name}, or null. */
    public final @Nullable Node child(FileName name) {
        return children.get(name);
    }

    /** The children kept, by name (unsigned byte order), as of now. */
    public final List<NamedNode> children() {
        List<NamedNode> list = new ArrayList<>(children.size());
        children.forEach((name, node) -> list.add(new NamedNode(name, node)));
        return list;
    }

    // ------------------------------------------------------------------ what a file system may override

    /**
     * The node {@code name} names here, or null when there is none ({@code ENOENT}). The default
     * answers from the children kept ({@link #addChild}).
     */
    protected @Nullable Node lookup(Context ctx, FileName name) {
        return children.get(name);
    }

    /**
     * The directory's entries, without {@code "."} and {@code ".."} (the library adds them), each
     * name once. Called once per opendir. The default lists the children kept.
     */
    protected List<NamedNode> list(Context ctx) {
        return children();
    }

    /** Two links, plus one per subdirectory kept (as {@code ..} in each links back here). */
    @Override
    protected void getattr(Context ctx, Attr.Builder attr) {
        attr.nlink(2 + subdirectories);
    }

    private ErrnoException readOnly(String operation) {
        return new ErrnoException(Errno.EROFS, operation + ": directory " + id() + " cannot be changed");
    }

    /** FUSE_MKDIR: create and return a subdirectory ({@code mode} before the umask). Default {@code EROFS}. */
    protected Node mkdir(Context ctx, FileName name, int mode) {
        throw readOnly("mkdir");
    }

    /**
     * FUSE_CREATE: create a regular file and return it; the library then opens it with
     * {@link FileNode#open}. Default {@code EROFS}.
     */
    protected FileNode create(Context ctx, FileName name, int mode, OpenFlags flags) {
        throw readOnly("create");
    }

    /** FUSE_SYMLINK: create and return a symbolic link. Default {@code EROFS}. */
    protected Node symlink(Context ctx, FileName name, SymlinkTarget target) {
        throw readOnly("symlink");
    }

    /** FUSE_UNLINK: remove a name that is not a directory. Default {@code EROFS}. */
    protected void unlink(Context ctx, FileName name) {
        throw readOnly("unlink");
    }

    /** FUSE_RMDIR: remove an empty directory. Default {@code EROFS}. */
    protected void rmdir(Context ctx, FileName name) {
        throw readOnly("rmdir");
    }

    /** FUSE_RENAME and FUSE_RENAME2: move {@code name} to {@code newName} in {@code newParent}. Default {@code EROFS}. */
    protected void rename(Context ctx, FileName name, DirectoryNode newParent, FileName newName, RenameFlags flags) {
        throw readOnly("rename");
    }
}
