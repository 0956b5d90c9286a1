package io.virtiofs.s3;

import io.virtiofs.api.Context;
import io.virtiofs.api.DirectoryPlusSink;
import io.virtiofs.api.DirectorySink;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileType;
import io.virtiofs.s3.store.ObjectInfo;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Open directories: opendir lists the prefix once (every page), and readdir and readdirplus
 * serve that listing by offset (1 and 2 for "." and "..", then one per name), so a directory
 * read in several replies is one consistent listing.
 */
final class Listings {

    private final S3Config config;
    private final NodeTable nodes;
    private final Namespace names;
    private final Function<Node, Entry> entries;
    private final AtomicLong handles;
    private final Map<Long, List<Namespace.Child>> open = new ConcurrentHashMap<>();

    Listings(S3Config config, NodeTable nodes, Namespace names, Function<Node, Entry> entries, AtomicLong handles) {
        this.config = config;
        this.nodes = nodes;
        this.names = names;
        this.entries = entries;
        this.handles = handles;
    }

    /** Lists {@code dir}; the handle of the listing. */
    long open(Context ctx, Node dir) {
        requireDirectory(dir);
        return opened(Await.get(names.list(dir), config.timeout().multipliedBy(4), ctx, "list " + dir.path()));
    }

    /** {@link #open}, without a thread waiting for the listing. */
    CompletableFuture<Long> openLater(Context ctx, Node dir) {
        requireDirectory(dir);
        return Await.later(names.list(dir), config.timeout().multipliedBy(4), ctx, "list " + dir.path())
                .thenApply(this::opened);
    }

    private static void requireDirectory(Node dir) {
        if (!dir.directory) {
            throw new ErrnoException(Errno.ENOTDIR, dir + " is not a directory");
        }
    }

    private long opened(List<Namespace.Child> children) {
        long fh = handles.getAndIncrement();
        open.put(fh, children);
        return fh;
    }

    void close(long fh) {
        open.remove(fh);
    }

    private List<Namespace.Child> listing(long fh) {
        List<Namespace.Child> children = open.get(fh);
        if (children == null) {
            throw new ErrnoException(Errno.EBADF, "no open directory " + fh);
        }
        return children;
    }

    void readdir(Node dir, long fh, long offset, DirectorySink sink) {
        List<Namespace.Child> children = listing(fh);
        for (long i = offset; i < children.size() + 2; i++) {
            boolean added;
            if (i < 2) {
                added = sink.add(i == 0 ? FileName.DOT : FileName.DOT_DOT, i + 1, FileType.DIRECTORY,
                        i == 0 ? dir.id : parentOf(dir).id);
            } else {
                Namespace.Child c = children.get((int) (i - 2));
                Node known = nodes.atPath(dir.child(c.name()));
                // Names nobody looked up get a number from their path, far above the nodeids.
                long ino = known != null ? known.id : (dir.child(c.name()).hashCode() & 0xffff_ffffL) | (1L << 40);
                added = sink.add(FileName.of(c.name()), i + 1, c.directory() ? FileType.DIRECTORY : FileType.REGULAR,
                        ino);
            }
            if (!added) {
                return;
            }
        }
    }

    void readdirplus(Node dir, long fh, long offset, DirectoryPlusSink sink) {
        List<Namespace.Child> children = listing(fh);
        for (long i = offset; i < children.size() + 2; i++) {
            if (i < 2) {
                // The driver counts no lookup for these two.
                Node self = i == 0 ? dir : parentOf(dir);
                if (!sink.add(i == 0 ? FileName.DOT : FileName.DOT_DOT, i + 1, entries.apply(self))) {
                    return;
                }
                continue;
            }
            Namespace.Child c = children.get((int) (i - 2));
            Node node = nodes.obtain(dir.child(c.name()), c.directory());
            if (c.info() != null) {
                if (node.pendingSize() < 0) {
                    node.info(c.info()); // a file being written shows its own size, not the store's
                }
            } else if (c.directory()) {
                node.info(new ObjectInfo(names.dirKey(node.path()), 0, names.started(), ""));
            }
            if (!sink.add(FileName.of(c.name()), i + 1, entries.apply(node))) {
                return;
            }
            nodes.lookedUp(node);
        }
    }

    private Node parentOf(Node dir) {
        String path = dir.path();
        int slash = path.lastIndexOf('/');
        Node parent = path.isEmpty() ? dir : nodes.atPath(slash < 0 ? "" : path.substring(0, slash));
        return parent != null ? parent : dir;
    }
}
