package io.virtiofs.transport.vhostuser;

import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.NodeCalls;
import io.virtiofs.transport.internal.nativeio.PollSet;
import io.virtiofs.transport.internal.nativeio.SocketCalls;
import io.virtiofs.transport.internal.nativeio.StatxBuffer;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The listening Unix socket a vhost-user front-end connects to: one the back-end creates at a
 * path (and removes when closed), or one inherited from the process that started it
 * (vhost-user.rst, "Backend program conventions": {@code --socket-path} or {@code --fd}).
 */
final class SocketListener implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(SocketListener.class.getName());
    private static final int LISTEN = 0;
    private static final int STOP = 1;

    private final int fd;
    private final Optional<Path> path;
    /**
     * The socket file's directory (O_PATH) and the socket's inode, so that closing removes exactly
     * that file even once the process has chrooted elsewhere (where the same path may name a file
     * of the shared directory); -1 and 0 without a socket file.
     */
    private final int directoryFd;
    private final long socketIno;
    private final Arena arena = Arena.ofShared();
    private final PollSet poll = new PollSet(arena, 2);
    private boolean closed;

    private SocketListener(int fd, Optional<Path> path, int directoryFd, long socketIno) {
        this.fd = fd;
        this.path = path;
        this.directoryFd = directoryFd;
        this.socketIno = socketIno;
        poll.set(LISTEN, fd, PollSet.POLLIN);
    }

    /**
     * Creates a socket file at {@code path} and listens on it.
     *
     * @throws IOException if the path exists already (a stale socket is not removed: another
     *     back-end may be serving it), its directory does not exist, or the socket cannot be
     *     created
     * @throws IllegalArgumentException if the path does not fit a Unix socket address
     */
    static SocketListener bind(Path path) throws IOException {
        Path absolute = path.toAbsolutePath();
        if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("vhost-user socket path " + absolute + " exists already; remove it if no back-end uses it");
        }
        Path directory = absolute.getParent();
        if (directory == null || !Files.isDirectory(directory)) {
            throw new IOException("the directory of vhost-user socket path " + absolute + " does not exist");
        }
        int fd = SocketCalls.socket(SocketCalls.AF_UNIX, SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC);
        try {
            SocketCalls.bind(fd, absolute.toString());
        } catch (NativeException | RuntimeException e) {
            ReceivedFds.closeQuietly(fd);
            throw e;
        }
        int directoryFd = -1;
        long ino;
        try {
            SocketCalls.listen(fd, 1);
            directoryFd = FileCalls.open(directory.toString(), NodeCalls.O_PATH | FileCalls.O_DIRECTORY
                    | FileCalls.O_CLOEXEC, 0);
            ino = socketIno(directoryFd, absolute.getFileName().toString());
        } catch (NativeException e) {
            ReceivedFds.closeQuietly(fd);
            if (directoryFd >= 0) {
                ReceivedFds.closeQuietly(directoryFd);
            }
            Files.deleteIfExists(absolute);
            throw e;
        }
        return new SocketListener(fd, Optional.of(absolute), directoryFd, ino);
    }

    /** The inode number of socket {@code name} in the directory, or 0 when it is not a socket there. */
    private static long socketIno(int directoryFd, String name) throws NativeException {
        try (Arena scratch = Arena.ofConfined()) {
            StatxBuffer st = new StatxBuffer(scratch);
            NodeCalls.statx(directoryFd, scratch.allocateFrom(name), NodeCalls.AT_SYMLINK_NOFOLLOW,
                    StatxBuffer.STATX_BASIC_STATS, st);
            return (st.mode() & 0170000) == 0140000 ? st.ino() : 0;
        }
    }

    /**
     * Takes over an inherited listening socket.
     *
     * @throws IOException if {@code fd} is not a listening stream socket
     */
    static SocketListener inherit(int fd) throws IOException {
        if (!SocketCalls.isListeningStreamSocket(fd)) {
            throw new IOException("descriptor " + fd + " is not a listening stream socket");
        }
        return new SocketListener(fd, Optional.empty(), -1, 0);
    }

    /** The socket file, when this listener created one. */
    Optional<Path> path() {
        return path;
    }

    /**
     * Waits for the next connection, or until {@code stopFd} becomes readable.
     *
     * @return the connected socket (close-on-exec), or empty if stopped
     */
    OptionalInt accept(int stopFd) throws NativeException {
        poll.set(STOP, stopFd, PollSet.POLLIN);
        while (true) {
            if (FileCalls.poll(poll, -1) == 0) {
                continue;
            }
            if (poll.revents(STOP) != 0) {
                return OptionalInt.empty();
            }
            if (poll.revents(LISTEN) != 0) {
                return OptionalInt.of(SocketCalls.accept4(fd, SocketCalls.SOCK_CLOEXEC));
            }
        }
    }

    /** Closes the socket and removes the socket file this listener created. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ReceivedFds.closeQuietly(fd);
        arena.close();
        if (path.isPresent()) {
            String name = path.get().getFileName().toString();
            try (Arena scratch = Arena.ofConfined()) {
                if (socketIno != 0 && socketIno(directoryFd, name) == socketIno) {
                    NodeCalls.unlinkat(directoryFd, scratch.allocateFrom(name), 0);
                }
            } catch (NativeException e) {
                if (e.errno() != io.virtiofs.api.Errno.ENOENT) {
                    LOG.log(System.Logger.Level.WARNING, "could not remove vhost-user socket " + path.get() + ": "
                            + e.getMessage());
                }
            } finally {
                ReceivedFds.closeQuietly(directoryFd);
            }
        }
    }
}
