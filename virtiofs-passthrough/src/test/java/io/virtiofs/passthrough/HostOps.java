package io.virtiofs.passthrough;

import io.virtiofs.transport.internal.nativeio.DataCalls;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.NodeCalls;
import io.virtiofs.transport.internal.nativeio.StatxBuffer;
import io.virtiofs.transport.internal.nativeio.XattrCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * System calls on paths, each answering a comparable outcome: "ok", "ok " plus what it found,
 * or the errno's name. A scenario runs them on the mount and on the oracle directory and
 * compares the outcomes; times and inode numbers are left out (they differ by nature).
 */
final class HostOps {

    private final Path root;

    HostOps(Path root) {
        this.root = root;
    }

    @FunctionalInterface
    interface Call {
        String run(Arena arena) throws NativeException;
    }

    private String attempt(Call call) {
        try (Arena arena = Arena.ofConfined()) {
            return call.run(arena);
        } catch (NativeException e) {
            return e.errno().name();
        }
    }

    private MemorySegment path(Arena arena, String relative) {
        return arena.allocateFrom(root.resolve(relative).toString());
    }

    String mkdir(String p, int mode) {
        return attempt(a -> {
            NodeCalls.mkdirat(NodeCalls.AT_FDCWD, path(a, p), mode);
            return "ok";
        });
    }

    /** open(p, flags, mode) and close. */
    String open(String p, int flags, int mode) {
        return attempt(a -> {
            int fd = NodeCalls.openat(NodeCalls.AT_FDCWD, path(a, p), flags | NodeCalls.O_CLOEXEC, mode);
            FileCalls.close(fd);
            return "ok";
        });
    }

    /** Creates p exclusively (O_CREAT|O_EXCL|O_WRONLY) with mode. */
    String create(String p, int mode) {
        return open(p, NodeCalls.O_CREAT | NodeCalls.O_EXCL | 01, mode);
    }

    /** Opens p for writing (O_WRONLY plus extra flags) and writes text at its offset 0 (or the end with O_APPEND). */
    String write(String p, int extraFlags, String text) {
        return attempt(a -> {
            int fd = NodeCalls.openat(NodeCalls.AT_FDCWD, path(a, p), 01 | extraFlags | NodeCalls.O_CLOEXEC, 0644);
            try {
                byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                MemorySegment data = a.allocate(Math.max(1, bytes.length));
                MemorySegment.copy(bytes, 0, data, ValueLayout.JAVA_BYTE, 0, bytes.length);
                return "ok " + FileCalls.write(fd, data, bytes.length);
            } finally {
                FileCalls.close(fd);
            }
        });
    }

    String read(String p) {
        return attempt(a -> {
            int fd = NodeCalls.openat(NodeCalls.AT_FDCWD, path(a, p), NodeCalls.O_CLOEXEC, 0);
            try {
                MemorySegment data = a.allocate(65536);
                long n = FileCalls.read(fd, data, data.byteSize());
                return "ok " + new String(data.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            } finally {
                FileCalls.close(fd);
            }
        });
    }

    /** lstat: type and permission bits, owner, group, size (but of directories), links. */
    String stat(String p) {
        return attempt(a -> {
            StatxBuffer st = new StatxBuffer(a);
            NodeCalls.statx(NodeCalls.AT_FDCWD, path(a, p), NodeCalls.AT_SYMLINK_NOFOLLOW, 0x7ff, st);
            boolean dir = (st.mode() & 0170000) == 0040000;
            return "ok mode=" + Integer.toOctalString(st.mode()) + " uid=" + st.uid() + " gid=" + st.gid()
                    + (dir ? "" : " size=" + st.size()) + " nlink=" + (dir ? "-" : st.nlink());
        });
    }

    String chmod(String p, int mode) {
        return attempt(a -> {
            NodeCalls.fchmodat(NodeCalls.AT_FDCWD, path(a, p), mode);
            return "ok";
        });
    }

    String chown(String p, int uid, int gid) {
        return attempt(a -> {
            NodeCalls.fchownat(NodeCalls.AT_FDCWD, path(a, p), uid, gid, NodeCalls.AT_SYMLINK_NOFOLLOW);
            return "ok";
        });
    }

    String truncate(String p, long size) {
        return attempt(a -> {
            DataCalls.truncate(path(a, p), size);
            return "ok";
        });
    }

    /** utimensat with explicit times, or UTIME_NOW / UTIME_OMIT in a nanosecond field. */
    String utimes(String p, long atime, long atimeNsec, long mtime, long mtimeNsec) {
        return attempt(a -> {
            NodeCalls.utimensat(NodeCalls.AT_FDCWD, path(a, p), atime, atimeNsec, mtime, mtimeNsec, 0);
            return "ok";
        });
    }

    String rename(String from, String to, int flags) {
        return attempt(a -> {
            NodeCalls.renameat2(NodeCalls.AT_FDCWD, path(a, from), NodeCalls.AT_FDCWD, path(a, to), flags);
            return "ok";
        });
    }

    String link(String from, String to) {
        return attempt(a -> {
            NodeCalls.linkat(NodeCalls.AT_FDCWD, path(a, from), NodeCalls.AT_FDCWD, path(a, to), 0);
            return "ok";
        });
    }

    String symlink(String target, String p) {
        return attempt(a -> {
            NodeCalls.symlinkat(a.allocateFrom(target), NodeCalls.AT_FDCWD, path(a, p));
            return "ok";
        });
    }

    String readlink(String p) {
        return attempt(a -> {
            MemorySegment buffer = a.allocate(4096);
            int n = NodeCalls.readlinkat(NodeCalls.AT_FDCWD, path(a, p), buffer);
            return "ok " + new String(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        });
    }

    String unlink(String p) {
        return attempt(a -> {
            NodeCalls.unlinkat(NodeCalls.AT_FDCWD, path(a, p), 0);
            return "ok";
        });
    }

    String rmdir(String p) {
        return attempt(a -> {
            NodeCalls.unlinkat(NodeCalls.AT_FDCWD, path(a, p), NodeCalls.AT_REMOVEDIR);
            return "ok";
        });
    }

    String mknod(String p, int mode, long dev) {
        return attempt(a -> {
            NodeCalls.mknodat(NodeCalls.AT_FDCWD, path(a, p), mode, dev);
            return "ok";
        });
    }

    String access(String p, int mode) {
        return attempt(a -> {
            NodeCalls.faccessat(NodeCalls.AT_FDCWD, path(a, p), mode, NodeCalls.AT_EACCESS);
            return "ok";
        });
    }

    String setxattr(String p, String name, String value, int flags) {
        return attempt(a -> {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            MemorySegment v = a.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, v, ValueLayout.JAVA_BYTE, 0, bytes.length);
            XattrCalls.setxattr(path(a, p), a.allocateFrom(name), v, bytes.length, flags);
            return "ok";
        });
    }

    String getxattr(String p, String name) {
        return attempt(a -> {
            MemorySegment v = a.allocate(65536);
            int n = XattrCalls.getxattr(path(a, p), a.allocateFrom(name), v);
            return "ok " + new String(v.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        });
    }

    /** The names listxattr gives, sorted. */
    String listxattr(String p) {
        return attempt(a -> {
            MemorySegment v = a.allocate(65536);
            int n = XattrCalls.listxattr(path(a, p), v);
            String[] names = new String(v.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8)
                    .split("\0");
            Arrays.sort(names);
            return "ok " + String.join(",", names);
        });
    }

    String removexattr(String p, String name) {
        return attempt(a -> {
            XattrCalls.removexattr(path(a, p), a.allocateFrom(name));
            return "ok";
        });
    }

    /** The names in directory p (without "." and ".."), sorted. */
    String list(String p) {
        return attempt(a -> {
            int fd = NodeCalls.openat(NodeCalls.AT_FDCWD, path(a, p), NodeCalls.O_DIRECTORY | NodeCalls.O_CLOEXEC, 0);
            try {
                List<String> names = new ArrayList<>();
                MemorySegment buffer = a.allocate(32768, 8);
                int n;
                while ((n = NodeCalls.getdents64(fd, buffer)) > 0) {
                    int at = 0;
                    while (at < n) {
                        int reclen = Short.toUnsignedInt(buffer.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 16));
                        String name = buffer.asSlice(at + 19).getString(0);
                        if (!name.equals(".") && !name.equals("..")) {
                            names.add(name);
                        }
                        at += reclen;
                    }
                }
                names.sort(null);
                return "ok " + String.join(",", names);
            } finally {
                FileCalls.close(fd);
            }
        });
    }
}
