package io.virtiofs.s3;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileSystem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The nodes the driver holds: by nodeid and by path. A node lives while the driver holds lookups
 * of it or it is open; a path names at most one node at a time.
 */
final class NodeTable {

    private final Map<Long, Node> byId = new HashMap<>();
    private final Map<String, Node> byPath = new HashMap<>();
    /** Nodes made since the last sweep of unused ones. */
    private int madeSinceSweep;
    private long nextId = FileSystem.ROOT_ID + 1;
    /** How many nodes are made between sweeps of the ones nobody holds. */
    static final int SWEEP_EVERY = 4096;

    NodeTable() {
        Node root = new Node(FileSystem.ROOT_ID, "", true);
        root.lookups = 1;
        byId.put(root.id, root);
        byPath.put("", root);
    }

    synchronized Node get(long nodeid) {
        Node node = byId.get(nodeid);
        if (node == null) {
            throw new ErrnoException(Errno.ESTALE, "node " + nodeid + " is not known");
        }
        return node;
    }

    synchronized @Nullable Node atPath(String path) {
        return byPath.get(path);
    }

    /** The node at {@code path} of this type, made if there is none (or one of the other type). */
    synchronized Node obtain(String path, boolean directory) {
        Node node = byPath.get(path);
        if (node != null && node.directory == directory) {
            return node;
        }
        if (++madeSinceSweep >= SWEEP_EVERY) {
            sweep();
        }
        node = new Node(nextId++, path, directory);
        byId.put(node.id, node);
        byPath.put(path, node);
        return node;
    }

    /**
     * Drops the nodes that the driver holds no lookup of and nobody has open: ones a name check
     * (mkdir, rename) or a rejected listing entry made. A node dropped just before its lookup is
     * counted comes back in {@link #lookedUp}.
     */
    private void sweep() {
        madeSinceSweep = 0;
        var it = byId.values().iterator();
        while (it.hasNext()) {
            Node n = it.next();
            if (n.id != FileSystem.ROOT_ID && n.lookups == 0 && n.opens == 0 && n.pendingSize() < 0) {
                it.remove();
                byPath.remove(n.path(), n);
            }
        }
    }

    synchronized void lookedUp(Node node) {
        node.lookups++;
        if (byId.putIfAbsent(node.id, node) == null) {
            byPath.putIfAbsent(node.path(), node);
        }
    }

    synchronized void forget(long nodeid, long count) {
        Node node = byId.get(nodeid);
        if (node == null || node.id == FileSystem.ROOT_ID) {
            return;
        }
        node.lookups = Math.max(0, node.lookups - count);
        dropIfUnused(node);
    }

    synchronized void opened(Node node) {
        node.opens++;
        if (byId.putIfAbsent(node.id, node) == null) {
            byPath.putIfAbsent(node.path(), node);
        }
    }

    /** One handle closed; true when it was the last. */
    synchronized boolean closed(Node node) {
        node.opens = Math.max(0, node.opens - 1);
        boolean last = node.opens == 0;
        dropIfUnused(node);
        return last;
    }

    private void dropIfUnused(Node node) {
        if (node.lookups == 0 && node.opens == 0) {
            byId.remove(node.id);
            byPath.remove(node.path(), node);
        }
    }

    /** The name went away (unlink, rmdir): the node lives on by id until forgotten. */
    synchronized void removePath(Node node) {
        byPath.remove(node.path(), node);
    }

    /** Moves a node, and for a directory everything below it, from one path to another. */
    synchronized void move(Node node, String to) {
        String from = node.path();
        Node displaced = byPath.get(to);
        if (displaced != null && displaced != node) {
            byPath.remove(to);
        }
        byPath.remove(from, node);
        node.path(to);
        byPath.put(to, node);
        if (node.directory) {
            String below = from + "/";
            List<Node> moved = new ArrayList<>();
            for (Map.Entry<String, Node> e : byPath.entrySet()) {
                if (e.getKey().startsWith(below)) {
                    moved.add(e.getValue());
                }
            }
            for (Node n : moved) {
                byPath.remove(n.path(), n);
                n.path(to + "/" + n.path().substring(below.length()));
                byPath.put(n.path(), n);
            }
        }
    }

    /** The nodes directly or indirectly below {@code path} that hold data not yet uploaded. */
    List<Node> pendingBelow(String path) {
        String below = path.isEmpty() ? "" : path + "/";
        List<Node> candidates = new ArrayList<>();
        synchronized (this) {
            for (Node n : byPath.values()) {
                if (!n.directory && n.path().startsWith(below)) {
                    candidates.add(n);
                }
            }
        }
        candidates.removeIf(n -> !n.holdsPending());
        return candidates;
    }

    synchronized int size() {
        return byId.size();
    }
}
