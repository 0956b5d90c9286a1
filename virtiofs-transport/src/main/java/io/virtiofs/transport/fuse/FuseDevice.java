package io.virtiofs.transport.fuse;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * The FUSE character device ({@code /dev/fuse}): opening a session descriptor, and cloning it so
 * that each worker thread reads and answers requests on a descriptor of its own (Linux
 * {@code fs/fuse/dev.c}, {@code FUSE_DEV_IOC_CLONE}). A reply must go back on the descriptor its
 * request was read from: each clone has its own processing queue.
 *
 * @param path the device node; {@link #DEFAULT_PATH} except in tests
 */
record FuseDevice(Path path) {

    /** Where Linux puts the device. */
    static final Path DEFAULT_PATH = Path.of("/dev/fuse");

    /** {@code FUSE_MIN_READ_BUFFER}: the kernel refuses reads into smaller buffers. */
    static final int MIN_READ_BUFFER = 8192;

    /** {@code FUSE_DEV_IOC_CLONE = _IOR(229, 0, uint32_t)}: attach a new descriptor to a session. */
    static final long IOC_CLONE = (2L << 30) | (4L << 16) | (229L << 8);

    /** The device at {@link #DEFAULT_PATH}. */
    static FuseDevice standard() {
        return new FuseDevice(DEFAULT_PATH);
    }

    /**
     * Opens the session descriptor: blocking (it carries notifications and is handed to
     * {@code mount(2)} as {@code fd=N}), closed on exec.
     */
    int openSession() throws FuseMountException {
        try {
            return FileCalls.open(path.toString(), FileCalls.O_RDWR | FileCalls.O_CLOEXEC, 0);
        } catch (NativeException e) {
            throw FuseMountException.openingDevice(path, e);
        }
    }

    /**
     * Opens a worker's descriptor and attaches it to the mounted session {@code sessionFd}:
     * blocking for {@link WaitMode#BLOCKING_READ}, non-blocking for {@link WaitMode#POLL} (the
     * worker polls it together with its stop signal).
     */
    int openClone(int sessionFd, WaitMode waitMode) throws NativeException {
        int flags = FileCalls.O_RDWR | FileCalls.O_CLOEXEC | (waitMode == WaitMode.POLL ? FileCalls.O_NONBLOCK : 0);
        int clone = FileCalls.open(path.toString(), flags, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment session = arena.allocate(JAVA_INT);
            session.set(JAVA_INT, 0, sessionFd);
            FileCalls.ioctl(clone, IOC_CLONE, session);
            return clone;
        } catch (NativeException e) {
            closeQuietly(clone);
            throw e;
        }
    }

    /**
     * Checks that {@code mountpoint} is a directory this process can open: a missing path, a
     * file, or a FUSE mount whose server died each get their own message.
     */
    static void checkMountpoint(Path mountpoint) throws FuseMountException {
        int fd;
        try {
            fd = FileCalls.open(mountpoint.toString(), FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, 0);
        } catch (NativeException e) {
            throw FuseMountException.checkingMountpoint(mountpoint, e);
        }
        closeQuietly(fd);
    }

    /** Closes {@code fd}, ignoring failures (the descriptor is gone either way). */
    static void closeQuietly(int fd) {
        try {
            FileCalls.close(fd);
        } catch (NativeException e) {
            System.getLogger(FuseDevice.class.getName()).log(System.Logger.Level.DEBUG, "close of fd " + fd + " failed", e);
        }
    }
}
