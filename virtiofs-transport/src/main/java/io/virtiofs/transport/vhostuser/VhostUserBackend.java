package io.virtiofs.transport.vhostuser;

import io.virtiofs.api.FileSystem;
import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.transport.device.DaxWindowTable;
import io.virtiofs.transport.device.VirtioFsConfig;
import io.virtiofs.transport.device.VirtioFsDevice;
import io.virtiofs.transport.internal.StopSignals;
import io.virtiofs.transport.internal.nativeio.EventFdCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.virtqueue.RingLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A vhost-user back-end serving the virtio-fs device (virtio device 26) to a VMM such as QEMU
 * ({@code -chardev socket,path=...,id=fs0 -device vhost-user-fs-pci,chardev=fs0,tag=...}).
 *
 * <p>It listens on a Unix socket (created at a path, or inherited), serves one front-end at a
 * time and, when that one disconnects, stops its device cleanly (queues stopped, guest memory
 * unmapped, every received descriptor closed, the request handler told
 * {@link FuseRequestHandler#sessionEnded()}) and accepts the next connection, unless built with
 * {@link Builder#reconnect(boolean) reconnect(false)}.
 *
 * <pre>{@code
 * try (VhostUserBackend backend = VhostUserBackend.builder()
 *         .socketPath(Path.of("/run/vfs.sock")).tag("myfs")
 *         .fileSystem(fileSystem)
 *         .build()) {
 *     backend.runUntilStopped(); // until SIGINT or SIGTERM, or close() from another thread
 * }
 * }</pre>
 *
 * <p>Threads: {@link #serve()} runs the control connection on the calling thread ({@link #start()}
 * on a new one); each virtqueue has its own worker; requests optionally run on a bounded pool
 * ({@link Builder#threadPoolSize}).
 */
public final class VhostUserBackend implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(VhostUserBackend.class.getName());

    private final SocketListener listener;
    private final String tag;
    private final int requestQueues;
    private final int queueSize;
    private final int threadPoolSize;
    private final boolean reconnect;
    private final boolean acceptUnsealedMemory;
    private final FuseRequestHandler handler;
    private final @Nullable VhostUserDaxBacking daxBacking;
    private final @Nullable DaxWindowTable daxWindow;
    private final int stopFd;
    private final Object lock = new Object();
    private final CountDownLatch terminated = new CountDownLatch(1);
    /** One permit per front-end connection that ended (tests wait on it). */
    private final Semaphore sessionsEnded = new Semaphore(0);
    private @Nullable Thread serving;
    private boolean started;
    private boolean closed;
    private boolean stopFdClosed;

    private VhostUserBackend(Builder builder, SocketListener listener, int stopFd) {
        this.listener = listener;
        this.tag = builder.tag;
        this.requestQueues = builder.requestQueues;
        this.queueSize = builder.queueSize;
        this.threadPoolSize = builder.threadPoolSize;
        this.reconnect = builder.reconnect;
        this.acceptUnsealedMemory = builder.acceptUnsealedMemory;
        this.stopFd = stopFd;
        FuseServerConfig config = builder.serverConfig;
        if (builder.daxWindowSize > 0) {
            daxBacking = new VhostUserDaxBacking(builder.daxWindowSize, builder.daxReplyTimeout);
            daxWindow = new DaxWindowTable(daxBacking);
            config = config.withDaxWindow(daxWindow);
        } else {
            daxBacking = null;
            daxWindow = null;
        }
        // Every Linux virtio-fs guest mounts with default_permissions: the guest kernel checks each
        // request with all of its caller's groups, which the device cannot learn.
        this.handler = Objects.requireNonNull(builder.handlerFactory.apply(
                config.withPermissionsCheckedByDriver(true)), "the handler factory returned null");
    }

    /**
     * A builder; {@link Builder#tag}, a file system ({@link Builder#fileSystem} or
     * {@link Builder#handlerFactory}) and a socket are required.
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The DAX window's link to the front-end (shared memory region 0), with its request counters;
     * empty without {@link Builder#daxWindowSize}.
     */
    public Optional<VhostUserDaxBacking> daxBacking() {
        return Optional.ofNullable(daxBacking);
    }

    /** The socket file this back-end created (empty for an inherited socket). */
    public Optional<Path> socketPath() {
        return listener.path();
    }

    /**
     * Serves front-ends on the calling thread until {@link #close()} is called, or, without
     * reconnection, until the first front-end disconnects. The socket file is removed when it
     * returns.
     *
     * @throws IllegalStateException if the back-end already serves or was closed
     * @throws IOException if accepting connections fails
     */
    public void serve() throws IOException {
        synchronized (lock) {
            if (started || closed) {
                throw new IllegalStateException(closed ? "vhost-user back-end is closed" : "vhost-user back-end serves already");
            }
            started = true;
            serving = Thread.currentThread();
        }
        try {
            LOG.log(System.Logger.Level.INFO, "vhost-user back-end \"{0}\" listening{1}", tag,
                    listener.path().map(path -> " on " + path).orElse(""));
            while (true) {
                OptionalInt connection = listener.accept(stopFd);
                if (connection.isEmpty()) {
                    return;
                }
                serveConnection(connection.getAsInt());
                if (!reconnect || isClosing()) {
                    return;
                }
            }
        } finally {
            listener.close();
            terminated.countDown();
            synchronized (lock) {
                if (closed) {
                    closeStopFd();
                }
            }
        }
    }

    /** Closes the stop eventfd once; under the lock, after the last write to it. */
    private void closeStopFd() {
        if (!stopFdClosed) {
            stopFdClosed = true;
            ReceivedFds.closeQuietly(stopFd);
        }
    }

    /**
     * Serves in the foreground ({@link #serve()}) until SIGINT or SIGTERM arrives, or
     * {@link #close()} is called; then closes the back-end (the socket file removed) and returns:
     * the main loop of a program that serves one file system to a VMM.
     *
     * @throws IOException if accepting connections fails
     * @see #runUntilStopped(Runnable)
     */
    public void runUntilStopped() throws IOException {
        runUntilStopped(() -> { });
    }

    /**
     * {@link #runUntilStopped()}, running {@code ready} once the signal handlers are in place and
     * before serving (to print a "serving" line, or tell a supervisor).
     *
     * <p>While it runs, SIGINT and SIGTERM close the back-end instead of ending the JVM at once,
     * and a JVM that exits for another reason closes it too (a shutdown hook); both are undone
     * when it returns. A signal this process ignores from its start stays ignored (a shell starts
     * background jobs with SIGINT ignored): a WARNING says so and names the signal that still
     * stops it.
     *
     * @throws IOException if accepting connections fails
     */
    public void runUntilStopped(Runnable ready) throws IOException {
        Objects.requireNonNull(ready, "ready");
        Thread hook = new Thread(this::close, "virtiofs-vhost-user-stop");
        try (StopSignals signals = StopSignals.install(this::close)) {
            signals.ignoredNote().ifPresent(note -> LOG.log(System.Logger.Level.WARNING, note));
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                ready.run();
                serve();
            } catch (IllegalStateException e) {
                synchronized (lock) {
                    if (!closed || started) {
                        throw e;
                    }
                }
                // A stop signal came before serving began: the back-end is closed, as it asked.
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // The hook is closing the back-end.
                }
            }
        } finally {
            close();
        }
    }

    /** Starts {@link #serve()} on a new thread named after the tag; failures are logged. */
    public void start() {
        Thread.ofPlatform().name("vhost-user-" + tag).start(() -> {
            try {
                serve();
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "vhost-user back-end \"" + tag + "\" stopped", e);
            }
        });
    }

    /** Waits until serving has ended; true if it has. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void serveConnection(int socket) {
        LOG.log(System.Logger.Level.INFO, "vhost-user front-end connected");
        try (MessageChannel channel = new MessageChannel(socket, stopFd)) {
            VirtioFsDevice.Builder builder = VirtioFsDevice.builder(tag)
                    .requestQueues(requestQueues)
                    .maxQueueSize(queueSize)
                    .requestThreads(threadPoolSize, Math.max(1024, threadPoolSize * 16));
            if (daxWindow != null) {
                builder.daxWindow(daxWindow);
            }
            VirtioFsDevice device = builder.build(handler);
            try (VhostUserSession session = new VhostUserSession(channel, device, acceptUnsealedMemory, daxBacking)) {
                session.run();
            } finally {
                if (daxWindow != null) {
                    daxWindow.forget();
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "vhost-user session failed", e);
        } finally {
            LOG.log(System.Logger.Level.INFO, "vhost-user front-end disconnected");
            sessionsEnded.release();
        }
    }

    /** Waits until {@code count} connections have ended in all (tests). */
    boolean awaitSessionsEnded(int count, Duration timeout) throws InterruptedException {
        if (!sessionsEnded.tryAcquire(count, timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            return false;
        }
        sessionsEnded.release(count);
        return true;
    }

    private boolean isClosing() {
        synchronized (lock) {
            return closed;
        }
    }

    /**
     * Stops serving: ends the current connection (its device torn down), stops accepting, removes
     * the socket file, and waits for the serving thread to finish. Idempotent.
     */
    @Override
    public void close() {
        boolean wait;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            wait = started && serving != Thread.currentThread();
            try {
                EventFdCalls.write(stopFd, 1);
            } catch (NativeException e) {
                LOG.log(System.Logger.Level.WARNING, "signalling the vhost-user back-end to stop failed", e);
            }
        }
        if (wait) {
            try {
                terminated.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (lock) {
            if (!started) {
                listener.close();
                terminated.countDown();
            }
            if (terminated.getCount() == 0) {
                closeStopFd();
            }
        }
    }

    /** Builds a {@link VhostUserBackend}. */
    public static final class Builder {
        private @Nullable Path socketPath;
        private int listenFd = -1;
        private String tag = "";
        private int requestQueues = 1;
        private int queueSize = 1024;
        private int threadPoolSize;
        private boolean reconnect = true;
        private boolean acceptUnsealedMemory;
        private long daxWindowSize;
        private Duration daxReplyTimeout = Duration.ofSeconds(5);
        private FuseServerConfig serverConfig = FuseServerConfig.defaults();
        private @Nullable Function<FuseServerConfig, FuseRequestHandler> handlerFactory;

        private Builder() {
        }

        /** Creates the listening socket at {@code path}, which must not exist (its directory must). */
        public Builder socketPath(Path path) {
            socketPath = Objects.requireNonNull(path, "path");
            listenFd = -1;
            return this;
        }

        /** Serves an inherited listening socket (vhost-user {@code --fd}); it is closed by {@link #close()}. */
        public Builder listenFd(int fd) {
            if (fd < 0) {
                throw new IllegalArgumentException("listening descriptor " + fd + " is negative");
            }
            listenFd = fd;
            socketPath = null;
            return this;
        }

        /** The file system's tag, what the guest mounts ({@code mount -t virtiofs TAG /mnt}): 1 to 36 bytes of UTF-8. */
        public Builder tag(String tag) {
            this.tag = Objects.requireNonNull(tag, "tag");
            return this;
        }

        /** Request queues besides hiprio (virtio-fs {@code num_request_queues}); default 1. */
        public Builder requestQueues(int count) {
            if (count < 1 || count > VirtioFsConfig.MAX_REQUEST_QUEUES) {
                throw new IllegalArgumentException("request queues " + count + " is outside 1.."
                        + VirtioFsConfig.MAX_REQUEST_QUEUES);
            }
            requestQueues = count;
            return this;
        }

        /** The largest vring size accepted (a power of two up to 32768); default 1024. */
        public Builder queueSize(int size) {
            if (size < 1 || size > RingLayout.MAX_SIZE || Integer.bitCount(size) != 1) {
                throw new IllegalArgumentException("queue size " + size + " is not a power of two in 1.." + RingLayout.MAX_SIZE);
            }
            queueSize = size;
            return this;
        }

        /** Threads running requests of the request queues; 0 (the default) runs them on the queue's own thread. */
        public Builder threadPoolSize(int threads) {
            if (threads < 0) {
                throw new IllegalArgumentException("thread pool size " + threads + " is negative");
            }
            threadPoolSize = threads;
            return this;
        }

        /** Whether to accept the next front-end after one disconnects (default true); false ends {@link #serve()} then. */
        public Builder reconnect(boolean accept) {
            reconnect = accept;
            return this;
        }

        /**
         * Whether to accept guest memory that cannot be sealed against shrinking (a plain file, a
         * memfd made without {@code MFD_ALLOW_SEALING}); default false, which refuses it with the
         * memory table. Accepted, such memory lets a front-end that cuts its file short fault the
         * device's accesses: the queues that touch it break (DEVICE_NEEDS_RESET), the process lives.
         * Memory that allows sealing is always sealed against shrinking and accepted.
         */
        public Builder acceptUnsealedMemory(boolean accept) {
            acceptUnsealedMemory = accept;
            return this;
        }

        /**
         * Gives the device a DAX window of {@code bytes} (0, the default: none): shared memory
         * region 0, which the front-end learns from GET_SHMEM_CONFIG and holds
         * ({@code VHOST_USER_PROTOCOL_F_SHMEM}; QEMU 11.1's generic
         * {@code vhost-user-test-device-pci}); mappings go to it as SHMEM_MAP and SHMEM_UNMAP on the
         * back-end channel. A power of two (QEMU puts the region in a PCI BAR), at least a page.
         * Without it the guest finds no cache region and reads and writes through requests.
         */
        public Builder daxWindowSize(long bytes) {
            if (bytes != 0 && (bytes < 4096 || Long.bitCount(bytes) != 1)) {
                throw new IllegalArgumentException("DAX window size " + bytes + " is not a power of two of at least 4096");
            }
            daxWindowSize = bytes;
            return this;
        }

        /** How long a DAX mapping waits for the front-end's answer (default 5 s); then the guest gets ETIMEDOUT. */
        public Builder daxReplyTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("DAX reply timeout " + timeout + " is not positive");
            }
            daxReplyTimeout = timeout;
            return this;
        }

        /**
         * The FUSE server settings handed to the handler factory; default
         * {@link FuseServerConfig#defaults()}. The factory receives them with
         * {@link FuseServerConfig#permissionsCheckedByDriver()} set: a virtio-fs guest checks
         * permissions itself ({@code default_permissions}), and the device trusts it.
         */
        public Builder serverConfig(FuseServerConfig config) {
            serverConfig = Objects.requireNonNull(config, "config");
            return this;
        }

        /**
         * Serves {@code fileSystem}: the same as {@code handlerFactory(config -> new
         * FuseServer(fileSystem, config))}.
         */
        public Builder fileSystem(FileSystem fileSystem) {
            Objects.requireNonNull(fileSystem, "fileSystem");
            return handlerFactory(config -> new FuseServer(fileSystem, config));
        }

        /**
         * Makes the request handler (typically {@code config -> new FuseServer(fileSystem, config)};
         * {@link #fileSystem} does that), once, at {@link #build()}; it serves every connection in
         * turn.
         */
        public Builder handlerFactory(Function<FuseServerConfig, FuseRequestHandler> factory) {
            handlerFactory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /**
         * Creates (or takes over) the listening socket and the handler.
         *
         * @throws IOException if the socket path exists, its directory does not, or the socket
         *     cannot be created; or if the inherited descriptor is not a listening socket
         * @throws IllegalStateException if the tag, the handler factory or the socket is missing
         */
        public VhostUserBackend build() throws IOException {
            if (tag.isEmpty()) {
                throw new IllegalStateException("a vhost-user back-end needs a tag");
            }
            new VirtioFsConfig(tag, requestQueues);
            if (handlerFactory == null) {
                throw new IllegalStateException("a vhost-user back-end needs a file system or a handler factory");
            }
            if (socketPath == null && listenFd < 0) {
                throw new IllegalStateException("a vhost-user back-end needs a socket path or a listening descriptor");
            }
            SocketListener listener = socketPath != null ? SocketListener.bind(socketPath) : SocketListener.inherit(listenFd);
            int stopFd;
            try {
                stopFd = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC | EventFdCalls.EFD_NONBLOCK);
            } catch (NativeException e) {
                listener.close();
                throw e;
            }
            try {
                return new VhostUserBackend(this, listener, stopFd);
            } catch (RuntimeException e) {
                listener.close();
                ReceivedFds.closeQuietly(stopFd);
                throw e;
            }
        }
    }
}
