package io.virtiofs.api.node;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileSystem;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The nodes the driver holds, by nodeid, with how many lookups it holds of each. A node enters
 * with its first counted lookup and leaves when FORGET gives the last one back; the root is
 * always there. Counting and forgetting a node are atomic with respect to each other, so a
 * lookup racing the forget of the same node either keeps the node or enters it again, never
 * hands out a nodeid that just left.
 */
final class NodeTable {

    private static final class Held {
        final Node node;
        long lookups;

        Held(Node node) {
            this.node = node;
        }
    }

    private final DirectoryNode root;
    private final ConcurrentHashMap<Long, Held> held = new ConcurrentHashMap<>();

    NodeTable(DirectoryNode root) {
        this.root = root;
    }

    DirectoryNode root() {
        return root;
    }

    /** The nodeid of {@code node}: 1 for the root, its {@link Node#id()} otherwise. */
    long nodeid(Node node) {
        return node == root ? FileSystem.ROOT_ID : node.id();
    }

    /** Counts one lookup of {@code node} handed to the driver; its nodeid. */
    long countLookup(Node node) {
        if (node == root) {
            return FileSystem.ROOT_ID;
        }
        held.compute(node.id(), (id, entry) -> {
            Held counted = entry == null ? new Held(node) : entry;
            counted.lookups++;
            return counted;
        });
        return node.id();
    }

    /** Takes back {@code nlookup} lookups of {@code nodeid}; the node leaves at zero. */
    void forget(long nodeid, long nlookup) {
        if (nodeid == FileSystem.ROOT_ID || nlookup <= 0) {
            return;
        }
        held.computeIfPresent(nodeid, (id, entry) -> {
            entry.lookups -= Math.min(entry.lookups, nlookup);
            return entry.lookups == 0 ? null : entry;
        });
    }

    /**
     * The node behind {@code nodeid}.
     *
     * @throws ErrnoException {@code ESTALE} when the driver holds no lookup of it
     */
    Node node(long nodeid) {
        if (nodeid == FileSystem.ROOT_ID) {
            return root;
        }
        Held entry = held.get(nodeid);
        if (entry == null) {
            throw new ErrnoException(Errno.ESTALE, "node " + nodeid + " is not known (never looked up, or forgotten)");
        }
        return entry.node;
    }

    /** The lookups the driver holds of {@code nodeid} (0 when none; the root's are not counted). */
    long lookups(long nodeid) {
        long[] lookups = {0};
        held.computeIfPresent(nodeid, (id, entry) -> {
            lookups[0] = entry.lookups; // read under the same lock as the writes
            return entry;
        });
        return lookups[0];
    }

    /** The number of nodes held besides the root. */
    int size() {
        return held.size();
    }

    /** Forgets every node (the session ended). */
    void clear() {
        held.clear();
    }
}
