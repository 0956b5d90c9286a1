package io.virtiofs.transport.internal.nativeio;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.virtiofs.api.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code mount(2)} and {@code umount2(2)}, with the flag bits of {@code <sys/mount.h>}. Both need
 * {@code CAP_SYS_ADMIN}.
 */
public final class MountCalls {

    /** {@code MS_RDONLY}: mount read-only. */
    public static final long MS_RDONLY = 0x1;
    /** {@code MS_NOSUID}: ignore set-user-id and set-group-id bits. */
    public static final long MS_NOSUID = 0x2;
    /** {@code MS_NODEV}: no access to device files. */
    public static final long MS_NODEV = 0x4;
    /** {@code MS_NOEXEC}: no program execution. */
    public static final long MS_NOEXEC = 0x8;
    /** {@code MS_SYNCHRONOUS}: writes are synchronous. */
    public static final long MS_SYNCHRONOUS = 0x10;
    /** {@code MS_DIRSYNC}: directory changes are synchronous. */
    public static final long MS_DIRSYNC = 0x80;
    /** {@code MS_NOATIME}: no access time updates. */
    public static final long MS_NOATIME = 0x400;
    /** {@code MS_NODIRATIME}: no directory access time updates. */
    public static final long MS_NODIRATIME = 0x800;
    /** {@code MS_RELATIME}: access times relative to modification times. */
    public static final long MS_RELATIME = 0x200000;
    /** {@code MS_STRICTATIME}: always update access times. */
    public static final long MS_STRICTATIME = 0x1000000;
    /** {@code MS_LAZYTIME}: keep time updates in memory. */
    public static final long MS_LAZYTIME = 0x2000000;

    /** {@code MNT_FORCE}: abort requests in flight (not for FUSE: its server decides). */
    public static final int MNT_FORCE = 1;
    /** {@code MNT_DETACH}: detach now, finish when the last user is gone ("lazy" unmount). */
    public static final int MNT_DETACH = 2;
    /** {@code UMOUNT_NOFOLLOW}: do not follow a symbolic link at the target. */
    public static final int UMOUNT_NOFOLLOW = 8;

    private static final MethodHandle MOUNT = NativeLinker.downcall("mount",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle UMOUNT2 = NativeLinker.downcall("umount2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

    private MountCalls() {
    }

    /**
     * {@code mount(source, target, type, flags, data)}.
     *
     * @param data the file system's option string ({@code "fd=5,rootmode=40000,..."})
     */
    public static void mount(String source, String target, String type, long flags, String data) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try (Arena arena = Arena.ofConfined()) {
            result = (int) MOUNT.invokeExact(state, arena.allocateFrom(source), arena.allocateFrom(target),
                    arena.allocateFrom(type), flags, arena.allocateFrom(data));
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("mount", t);
        }
        if (result < 0) {
            Errno errno = NativeLinker.errno(state);
            throw new NativeException("mount", errno,
                    "mount " + type + " on " + target + " failed: " + errno.name() + " (" + errno.description() + ")");
        }
    }

    /** {@code umount2(target, flags)}, flags from {@link #MNT_DETACH}, {@link #MNT_FORCE}, {@link #UMOUNT_NOFOLLOW}. */
    public static void unmount(String target, int flags) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try (Arena arena = Arena.ofConfined()) {
            result = (int) UMOUNT2.invokeExact(state, arena.allocateFrom(target), flags);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("umount2", t);
        }
        if (result < 0) {
            Errno errno = NativeLinker.errno(state);
            throw new NativeException("umount2", errno,
                    "umount2 " + target + " failed: " + errno.name() + " (" + errno.description() + ")");
        }
    }
}
