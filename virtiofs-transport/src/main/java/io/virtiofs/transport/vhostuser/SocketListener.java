package io.virtiofs.transport.vhostuser;

import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.PollSet;
import io.virtiofs.transport.internal.nativeio.SocketCalls;
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
    private final Arena arena = Arena.ofShared();
    private final PollSet poll = new PollSet(arena, 2);
    private boolean closed;

    private SocketListener(int fd, Optional<Path> path) {
        this.fd = fd;
        this.path = path;
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
        try {
            SocketCalls.listen(fd, 1);
        } catch (NativeException e) {
            ReceivedFds.closeQuietly(fd);
            Files.deleteIfExists(absolute);
            throw e;
        }
        return new SocketListener(fd, Optional.of(absolute));
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
        return new SocketListener(fd, Optional.empty());
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
            try {
                Files.deleteIfExists(path.get());
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "could not remove vhost-user socket " + path.get(), e);
            }
        }
    }
}
