package io.virtiofs.passthrough;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.FileType;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.HostFileHandle;
import io.virtiofs.transport.internal.nativeio.LockCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.NodeCalls;
import io.virtiofs.transport.internal.nativeio.StatxBuffer;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The nodes the guest holds, by nodeid and by host identity, and the one way a name becomes a
 * node: resolved relative to its parent's descriptor, one component, never leaving the parent
 * ({@code openat2} with {@code RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS};
 * a symbolic link is opened itself, never followed). No path from the shared directory's root
 * is ever handed to the host kernel.
 *
 * <p>Nodeids are never reused. A node found again by its {@link InodeKey} (another hard link,
 * the same file after a rename) is the same node, with one more lookup.
 */
final class NodeTable {

    private static final System.Logger LOG = System.getLogger(NodeTable.class.getName());

    /** What a lookup asks statx for: what stat shows, the birth time and the mount. */
    static final int STATX_MASK = StatxBuffer.STATX_BASIC_STATS | StatxBuffer.STATX_BTIME | StatxBuffer.STATX_MNT_ID;
    static final long RESOLVE = NodeCalls.RESOLVE_BENEATH | NodeCalls.RESOLVE_NO_MAGICLINKS
            | NodeCalls.RESOLVE_NO_SYMLINKS;
    static final int PATH_FLAGS = NodeCalls.O_PATH | NodeCalls.O_NOFOLLOW | NodeCalls.O_CLOEXEC;
    /**
     * O_PATH through a {@code /proc/self/fd} name: without O_NOFOLLOW, which would open the magic
     * link itself instead of the file behind it.
     */
    static final int REOPEN_PATH_FLAGS = NodeCalls.O_PATH | NodeCalls.O_CLOEXEC;
    private static final int EMPTY_NOFOLLOW = NodeCalls.AT_EMPTY_PATH | NodeCalls.AT_SYMLINK_NOFOLLOW;
    /** The deepest directory tree a ".." check walks up before giving up. */
    private static final int MAX_DEPTH = 4096;

    private final Node root;
    private final FileHandlePolicy handles;
    private final DescriptorBudget budget;
    private final ConcurrentHashMap<Long, Node> byId = new ConcurrentHashMap<>();
    /** Guarded by {@code this}. */
    private final Map<InodeKey, Node> byKey = new HashMap<>();
    /**
     * For file handles: one descriptor per host mount, the mount open_by_handle_at needs (a
     * directory of the mount opened for reading: an O_PATH descriptor will not do). Guarded by
     * {@code this}.
     */
    private final Map<Long, Integer> mountFds = new HashMap<>();
    private final int procFd;
    /** Whether this process may open file handles (CAP_DAC_READ_SEARCH: it runs as root). */
    private final boolean handlesUsable;
    private final AtomicLong nextNodeid = new AtomicLong(FileSystem.ROOT_ID + 1);

    /** A table whose root is the directory open as {@code rootFd} (O_PATH; the table owns it). */
    NodeTable(int rootFd, FileHandlePolicy handles, DescriptorBudget budget, int procFd, boolean handlesUsable)
            throws NativeException {
        this.handles = handles;
        this.procFd = procFd;
        this.handlesUsable = handlesUsable;
        this.budget = budget;
        StatxBuffer st = ThreadScratch.get().statx();
        NodeCalls.statx(rootFd, NodeCalls.emptyPath(), EMPTY_NOFOLLOW, STATX_MASK, st);
        this.root = new Node(FileSystem.ROOT_ID, keyOf(st), FileType.DIRECTORY, rootFd, null, null);
        if (handles != FileHandlePolicy.NEVER && handlesUsable) {
            try {
                HostFileHandle rootHandle = NodeCalls.nameToHandleAt(rootFd, NodeCalls.emptyPath(), NodeCalls.AT_EMPTY_PATH);
                hasMountFd(rootHandle, rootFd, st, ThreadScratch.get());
            } catch (NativeException noHandles) {
                // The shared directory's file system gives no handles: nodes keep descriptors.
            }
        }
        root.lookups = Long.MAX_VALUE / 2;
        byId.put(FileSystem.ROOT_ID, root);
        byKey.put(root.key, root);
    }

    Node root() {
        return root;
    }

    /**
     * The node {@code nodeid}, pinned for one request (the caller unpins it).
     *
     * @throws ErrnoException ESTALE for a nodeid never given or already forgotten
     */
    Node pin(long nodeid) {
        Node node = byId.get(nodeid);
        if (node == null || !node.pin()) {
            throw new ErrnoException(Errno.ESTALE, "no node " + nodeid);
        }
        return node;
    }

    /**
     * Fails with ENFILE when a new node could not be held (no descriptor place, no overflow to
     * file handles): checked before a creation, so that the guest is not told a creation failed
     * after it happened.
     */
    void requireRoomForNode() {
        budget.requireRoomForNode(handles != FileHandlePolicy.NEVER && handlesUsable);
    }

    /** The number of nodes held (the root included). */
    int size() {
        return byId.size();
    }

    /**
     * An O_PATH descriptor of {@code node}: its own, or (file handles) a new one the caller gives
     * back with {@link #donePathFd}. Opening by handle needs this process's privileges: call it
     * before taking on a caller's identity.
     */
    int pathFd(Node node) {
        if (node.fd >= 0) {
            return node.fd;
        }
        HostFileHandle handle = node.handle;
        int mountFd;
        synchronized (this) {
            Integer fd = handle == null ? null : mountFds.get((long) handle.mountId());
            if (fd == null) {
                throw new ErrnoException(Errno.ESTALE, node + " has neither descriptor nor mount");
            }
            mountFd = fd;
        }
        try {
            return NodeCalls.openByHandleAt(mountFd, handle, PATH_FLAGS);
        } catch (NativeException e) {
            throw new ErrnoException(e.errno() == Errno.ENOENT ? Errno.ESTALE : e.errno(),
                    "opening " + node + " by its file handle failed: " + e.getMessage());
        }
    }

    /** Gives back a descriptor from {@link #pathFd}. */
    void donePathFd(Node node, int fd) {
        if (fd != node.fd) {
            closeQuietly(fd);
        }
    }

    /**
     * Resolves {@code name} in the directory {@code parentFd}; the node has one more lookup, and
     * the thread's statx buffer holds its attributes.
     *
     * @throws ErrnoException ENOENT when there is no such name, and what the host answers
     */
    Node lookup(Node parent, int parentFd, FileName name, ThreadScratch scratch) {
        if (name.isDotOrDotDot()) {
            return lookupDots(parent, parentFd, name, scratch);
        }
        MemorySegment cname = scratch.name(name);
        StatxBuffer st = scratch.statx();
        try {
            if (handles == FileHandlePolicy.NEVER || handles == FileHandlePolicy.OVERFLOW) {
                // One system call when the guest already holds the inode: a name with no '/' in it
                // crosses nothing, so a statx of it cannot leave the directory.
                NodeCalls.statx(parentFd, cname, NodeCalls.AT_SYMLINK_NOFOLLOW, STATX_MASK, st);
                Node known = acquireKnown(keyOf(st));
                if (known != null) {
                    return known;
                }
            }
            boolean budgeted = reserveOrOverflow();
            int fd;
            try {
                fd = NodeCalls.openat2(parentFd, cname, PATH_FLAGS, 0, RESOLVE);
            } catch (NativeException | RuntimeException e) {
                if (budgeted) {
                    budget.release();
                }
                throw e;
            }
            return adoptReserved(fd, scratch, budgeted);
        } catch (NativeException e) {
            throw e.toErrnoException();
        }
    }

    /**
     * The node of the inode open as {@code pathFd} (O_PATH, just made by a creating request),
     * taking ownership of the descriptor; one more lookup, and its attributes in the thread's
     * statx buffer.
     */
    Node adopt(int pathFd, ThreadScratch scratch) {
        boolean budgeted;
        try {
            budgeted = reserveOrOverflow();
        } catch (ErrnoException full) {
            closeQuietly(pathFd);
            throw full;
        }
        try {
            return adoptReserved(pathFd, scratch, budgeted);
        } catch (NativeException e) {
            throw e.toErrnoException();
        }
    }

    /**
     * Takes a descriptor's place in the budget (true); or, when every place is taken and nodes may
     * overflow to file handles, answers false: the node will be held by a handle, its descriptor
     * only for the moment.
     */
    private boolean reserveOrOverflow() {
        try {
            budget.reserveForNode();
            return true;
        } catch (ErrnoException full) {
            if (handles == FileHandlePolicy.OVERFLOW && handlesUsable) {
                return false;
            }
            throw full;
        }
    }

    /**
     * {@link #adopt} for a descriptor whose budget place is already taken ({@code budgeted}), or
     * one held only until the node has a file handle (not budgeted: the budget is full).
     */
    private Node adoptReserved(int fd, ThreadScratch scratch, boolean budgeted) throws NativeException {
        StatxBuffer st = scratch.statx();
        HostFileHandle handle = null;
        boolean handleFirst = handles == FileHandlePolicy.PREFER || handles == FileHandlePolicy.MANDATORY;
        try {
            NodeCalls.statx(fd, NodeCalls.emptyPath(), EMPTY_NOFOLLOW, STATX_MASK, st);
            if (!budgeted) {
                try {
                    handle = NodeCalls.nameToHandleAt(fd, NodeCalls.emptyPath(), NodeCalls.AT_EMPTY_PATH);
                } catch (NativeException e) {
                    handle = null;
                }
                if (handle == null || !hasMountFd(handle, fd, st, scratch)) {
                    throw new ErrnoException(Errno.ENFILE, "the file system holds its limit of " + budget.limit()
                            + " host descriptors, and this node has no file handle to be held by instead");
                }
            } else if (handleFirst) {
                try {
                    handle = NodeCalls.nameToHandleAt(fd, NodeCalls.emptyPath(), NodeCalls.AT_EMPTY_PATH);
                    if (!hasMountFd(handle, fd, st, scratch)) {
                        handle = null; // a file on a mount none of whose directories was seen yet
                    }
                } catch (NativeException e) {
                    if (handles == FileHandlePolicy.MANDATORY) {
                        throw new ErrnoException(Errno.EOPNOTSUPP, "the host file system gives no file handle for "
                                + "this node (--inode-file-handles=mandatory): " + e.getMessage());
                    }
                }
                if (handle == null && handles == FileHandlePolicy.MANDATORY) {
                    throw new ErrnoException(Errno.EOPNOTSUPP, "no directory of this node's mount is known to open "
                            + "its file handle with (--inode-file-handles=mandatory)");
                }
            }
        } catch (NativeException | RuntimeException e) {
            release(fd, budgeted);
            throw e;
        }
        return insertOrAcquire(keyOf(st), FileType.ofMode(st.mode()), fd, handle, budgeted);
    }

    /**
     * Whether the handle's mount has a descriptor to open handles with; makes one from a directory
     * (opened for reading through its /proc/self/fd name) when it has none.
     */
    private boolean hasMountFd(HostFileHandle handle, int fd, StatxBuffer st, ThreadScratch scratch) {
        synchronized (this) {
            if (mountFds.containsKey((long) handle.mountId())) {
                return true;
            }
        }
        if (FileType.ofMode(st.mode()) != FileType.DIRECTORY) {
            return false;
        }
        int mountFd;
        try {
            // Not counted against the budget: one per host mount, and needed most when it is full.
            mountFd = NodeCalls.openat(procFd, scratch.descriptorName(fd),
                    FileCalls.O_RDONLY | NodeCalls.O_DIRECTORY | NodeCalls.O_CLOEXEC, 0);
        } catch (NativeException e) {
            return false;
        }
        synchronized (this) {
            if (mountFds.putIfAbsent((long) handle.mountId(), mountFd) == null) {
                return true;
            }
        }
        closeQuietly(mountFd);
        return true;
    }

    private synchronized Node acquireKnown(InodeKey key) {
        Node node = byKey.get(key);
        if (node == null || node.isRetired() || node.handle != null) {
            return null;
        }
        node.lookups++;
        return node;
    }

    private Node insertOrAcquire(InodeKey key, FileType type, int fd, HostFileHandle handle, boolean budgeted) {
        // A node held by a handle (past the descriptor cap) is the same inode only if the handles
        // match: its inode number may have been given to a new file since.
        HostFileHandle probe = handle;
        if (probe == null && heldByHandle(key)) {
            try {
                probe = NodeCalls.nameToHandleAt(fd, NodeCalls.emptyPath(), NodeCalls.AT_EMPTY_PATH);
            } catch (NativeException e) {
                probe = null;
            }
        }
        Node found;
        Node made = null;
        synchronized (this) {
            found = byKey.get(key);
            boolean same = found != null && !found.isRetired()
                    && (java.util.Objects.equals(found.handle, handle) || found.handle != null && found.handle.equals(probe));
            if (same) {
                found.lookups++;
            } else {
                found = null;
                made = new Node(nextNodeid.getAndIncrement(), key, type, handle == null ? fd : -1, handle,
                        handle == null ? budget : null);
                made.lookups = 1;
                byId.put(made.nodeid, made);
                byKey.put(key, made);
                if (handle == null) {
                    return made; // the node keeps the descriptor
                }
            }
        }
        release(fd, budgeted);
        return found != null ? found : made;
    }

    private synchronized boolean heldByHandle(InodeKey key) {
        Node node = byKey.get(key);
        return node != null && node.handle != null;
    }

    /**
     * "." is the directory itself; ".." of the root is the root (the guest cannot climb out);
     * ".." elsewhere is the parent, checked to lie under the root (a directory moved out of the
     * shared directory on the host has a parent outside it: ENOENT).
     */
    private Node lookupDots(Node parent, int parentFd, FileName name, ThreadScratch scratch) {
        Node target = parent;
        if (name == FileName.DOT_DOT && parent != root) {
            int fd = -1;
            try {
                budget.reserveForNode();
                fd = NodeCalls.openat(parentFd, dotDot(), PATH_FLAGS | NodeCalls.O_DIRECTORY, 0);
                requireUnderRoot(fd, scratch);
                Node found = adoptReserved(fd, scratch, true);
                fd = -1;
                return found;
            } catch (NativeException e) {
                throw e.toErrnoException();
            } finally {
                if (fd >= 0) {
                    release(fd);
                }
            }
        }
        synchronized (this) {
            if (target != root) {
                target.lookups++;
            }
        }
        try {
            int fd = pathFd(target);
            try {
                NodeCalls.statx(fd, NodeCalls.emptyPath(), EMPTY_NOFOLLOW, STATX_MASK, scratch.statx());
            } finally {
                donePathFd(target, fd);
            }
        } catch (NativeException e) {
            forget(target.nodeid, 1);
            throw e.toErrnoException();
        }
        return target;
    }

    private void requireUnderRoot(int directoryFd, ThreadScratch scratch) throws NativeException {
        StatxBuffer st = scratch.statx();
        int current = LockCalls.dup(directoryFd);
        try {
            for (int depth = 0; depth < MAX_DEPTH; depth++) {
                NodeCalls.statx(current, NodeCalls.emptyPath(), EMPTY_NOFOLLOW, STATX_MASK, st);
                InodeKey key = keyOf(st);
                if (key.equals(root.key)) {
                    return;
                }
                int up = NodeCalls.openat(current, dotDot(), PATH_FLAGS | NodeCalls.O_DIRECTORY, 0);
                NodeCalls.statx(up, NodeCalls.emptyPath(), EMPTY_NOFOLLOW, STATX_MASK, st);
                boolean top = keyOf(st).equals(key);
                closeQuietly(current);
                current = up;
                if (top) {
                    break;
                }
            }
        } finally {
            closeQuietly(current);
        }
        throw new ErrnoException(Errno.ENOENT, "'..' lies outside the shared directory");
    }

    private static MemorySegment dotDot() {
        return ThreadScratch.get().name(FileName.DOT_DOT);
    }

    /**
     * The guest gives back {@code count} lookups of {@code nodeid}; at zero the node leaves the
     * table and its descriptor closes once no request uses it.
     */
    void forget(long nodeid, long count) {
        if (nodeid == FileSystem.ROOT_ID) {
            return;
        }
        Node retired = null;
        synchronized (this) {
            Node node = byId.get(nodeid);
            if (node == null) {
                LOG.log(Level.DEBUG, "forget of unknown node {0}", nodeid);
                return;
            }
            node.lookups -= count;
            if (node.lookups <= 0) {
                byId.remove(nodeid);
                if (byKey.get(node.key) == node) {
                    byKey.remove(node.key);
                }
                retired = node;
            }
        }
        if (retired != null) {
            retired.retire();
        }
    }

    /** The identity of what {@code st} describes. */
    static InodeKey keyOf(StatxBuffer st) {
        long mount = (st.mask() & StatxBuffer.STATX_MNT_ID) != 0 ? st.mountId() : 0;
        return new InodeKey(st.dev(), st.ino(), mount);
    }

    /** Closes the root and the mount descriptors (nodes close as they are forgotten). */
    synchronized void close() {
        for (Integer fd : mountFds.values()) {
            closeQuietly(fd);
        }
        mountFds.clear();
        closeQuietly(root.fd);
    }

    private void release(int fd) {
        release(fd, true);
    }

    private void release(int fd, boolean budgeted) {
        closeQuietly(fd);
        if (budgeted) {
            budget.release();
        }
    }

    static void closeQuietly(int fd) {
        try {
            FileCalls.close(fd);
        } catch (NativeException e) {
            LOG.log(Level.WARNING, "closing descriptor " + fd + " failed: " + e.getMessage());
        }
    }
}
