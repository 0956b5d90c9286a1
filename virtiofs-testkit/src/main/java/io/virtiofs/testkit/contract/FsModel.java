package io.virtiofs.testkit.contract;

import io.virtiofs.api.Errno;
import io.virtiofs.api.RenameFlags;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The simplest file system that can be right: a tree of names to directories, files (byte
 * arrays, shared by hard links) and symlinks. {@link ModelRun} applies each random operation to
 * it and to the file system under test and compares. Each method answers the errno POSIX
 * expects, or null when the operation succeeds (and then applies it).
 */
final class FsModel {

    /** A node of the model; identity matters (hard links share one). */
    abstract static sealed class Node permits Dir, File, Link {
        long nodeid;
    }

    static final class Dir extends Node {
        final TreeMap<String, Node> children = new TreeMap<>();
        Dir parent;
    }

    static final class File extends Node {
        byte[] data = new byte[0];
    }

    static final class Link extends Node {
        final String target;

        Link(String target) {
            this.target = target;
        }
    }

    final Dir root = new Dir();

    FsModel(long rootId) {
        root.nodeid = rootId;
        root.parent = root;
    }

    /** Every directory, the root first. */
    List<Dir> directories() {
        List<Dir> all = new ArrayList<>();
        collect(root, all);
        return all;
    }

    private static void collect(Dir dir, List<Dir> into) {
        into.add(dir);
        for (Node child : dir.children.values()) {
            if (child instanceof Dir sub) {
                collect(sub, into);
            }
        }
    }

    /** Every file, with duplicates for hard links removed. */
    List<File> files() {
        List<File> all = new ArrayList<>();
        for (Dir dir : directories()) {
            for (Node child : dir.children.values()) {
                if (child instanceof File file && all.stream().noneMatch(f -> f == file)) {
                    all.add(file);
                }
            }
        }
        return all;
    }

    /** How many names {@code node} has (a directory: 2 plus its subdirectories). */
    int nlink(Node node) {
        if (node instanceof Dir dir) {
            return 2 + (int) dir.children.values().stream().filter(c -> c instanceof Dir).count();
        }
        int count = 0;
        for (Dir dir : directories()) {
            for (Node child : dir.children.values()) {
                if (child == node) {
                    count++;
                }
            }
        }
        return count;
    }

    Errno create(Dir dir, String name, Node node) {
        if (dir.children.containsKey(name)) {
            return Errno.EEXIST;
        }
        dir.children.put(name, node);
        if (node instanceof Dir sub) {
            sub.parent = dir;
        }
        return null;
    }

    Errno unlink(Dir dir, String name) {
        Node node = dir.children.get(name);
        if (node == null) {
            return Errno.ENOENT;
        }
        if (node instanceof Dir) {
            return Errno.EISDIR;
        }
        dir.children.remove(name);
        return null;
    }

    Errno rmdir(Dir dir, String name) {
        Node node = dir.children.get(name);
        if (node == null) {
            return Errno.ENOENT;
        }
        if (!(node instanceof Dir sub)) {
            return Errno.ENOTDIR;
        }
        if (!sub.children.isEmpty()) {
            return Errno.ENOTEMPTY;
        }
        dir.children.remove(name);
        return null;
    }

    Errno link(File file, Dir dir, String name) {
        return create(dir, name, file);
    }

    static void write(File file, int offset, byte[] bytes) {
        if (file.data.length < offset + bytes.length) {
            file.data = Arrays.copyOf(file.data, offset + bytes.length);
        }
        System.arraycopy(bytes, 0, file.data, offset, bytes.length);
    }

    static void truncate(File file, int size) {
        file.data = Arrays.copyOf(file.data, size);
    }

    /** rename / renameat2, in the order of checks Linux makes. */
    Errno rename(Dir from, String oldName, Dir to, String newName, int flags) {
        Node source = from.children.get(oldName);
        Node target = to.children.get(newName);
        boolean exchange = (flags & RenameFlags.EXCHANGE) != 0;
        if (source == null) {
            return Errno.ENOENT;
        }
        if (target != null && (flags & RenameFlags.NOREPLACE) != 0) {
            return Errno.EEXIST;
        }
        if (target == null && exchange) {
            return Errno.ENOENT;
        }
        if (from != to) {
            if (source instanceof Dir dir && contains(dir, to)) {
                return Errno.EINVAL;
            }
            if (target instanceof Dir dir && contains(dir, from)) {
                return exchange ? Errno.EINVAL : Errno.ENOTEMPTY;
            }
        }
        if (source == target) {
            return null;
        }
        if (!exchange && target != null) {
            if (source instanceof Dir && !(target instanceof Dir)) {
                return Errno.ENOTDIR;
            }
            if (!(source instanceof Dir) && target instanceof Dir) {
                return Errno.EISDIR;
            }
            if (target instanceof Dir dir && !dir.children.isEmpty()) {
                return Errno.ENOTEMPTY;
            }
        }
        if (exchange) {
            from.children.put(oldName, target);
            to.children.put(newName, source);
            reparent(target, from);
        } else {
            from.children.remove(oldName);
            to.children.put(newName, source);
        }
        reparent(source, to);
        return null;
    }

    private static void reparent(Node node, Dir parent) {
        if (node instanceof Dir dir) {
            dir.parent = parent;
        }
    }

    /** Whether {@code ancestor} is {@code dir} or contains it. */
    static boolean contains(Dir ancestor, Dir dir) {
        Dir current = dir;
        while (true) {
            if (current == ancestor) {
                return true;
            }
            if (current.parent == current) {
                return false;
            }
            current = current.parent;
        }
    }

    /** The names of a directory, sorted. */
    static List<String> names(Dir dir) {
        return new ArrayList<>(dir.children.keySet());
    }

    static Map<String, Node> entries(Dir dir) {
        return dir.children;
    }
}
