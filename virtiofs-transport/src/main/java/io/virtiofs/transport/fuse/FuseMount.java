package io.virtiofs.transport.fuse;

import io.virtiofs.api.Errno;
import io.virtiofs.api.FileSystem;
import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.protocol.server.Negotiation;
import io.virtiofs.protocol.server.NotificationSink;
import io.virtiofs.transport.internal.StopSignals;
import io.virtiofs.transport.internal.nativeio.EventFdCalls;
import io.virtiofs.transport.internal.nativeio.IdentityCalls;
import io.virtiofs.transport.internal.nativeio.MountCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A file system mounted through the Linux kernel's FUSE client: {@code /dev/fuse} opened,
 * {@code mount(2)} done, and worker threads serving requests until the file system is unmounted.
 *
 * <p>{@link #mount(FileSystem, FuseMountOptions)} mounts and returns at once; the kernel's first
 * request (FUSE_INIT) is answered by a worker, and file system calls on the mountpoint wait for
 * it. {@link #close()} unmounts ({@code umount2}, or a lazy detach when the mount is busy), stops
 * the workers and closes every descriptor; it is idempotent and may run in a JVM shutdown hook
 * (SIGINT and SIGTERM run those). Unmounting from outside ({@code umount}) ends the session
 * quietly: {@link #awaitTermination()} returns and {@link #isActive()} turns false.
 *
 * <p>Needs root (or {@code CAP_SYS_ADMIN}) and {@code --enable-native-access=io.virtiofs.transport}.
 */
public final class FuseMount implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(FuseMount.class.getName());
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final FuseMountOptions options;
    private final FuseServerConfig serverConfig;
    private final FuseSession session;
    private final int mountId;
    private final AtomicBoolean closeStarted = new AtomicBoolean();
    /** Set by {@link #close()} when the kernel had already ended the session (an unmount from outside). */
    private volatile boolean goneBeforeClose;

    private FuseMount(FuseMountOptions options, FuseServerConfig serverConfig, FuseSession session, int mountId) {
        this.options = options;
        this.serverConfig = serverConfig;
        this.session = session;
        this.mountId = mountId;
    }

    /**
     * Mounts {@code fileSystem}: builds the {@link FuseServerConfig} from {@code options} (with
     * this mount's notification sink, and INTERRUPTs answered as /dev/fuse expects), the server
     * on it, then mounts.
     *
     * @throws FuseMountException with a message a command line can print as it is
     */
    public static FuseMount mount(FileSystem fileSystem, FuseMountOptions options) throws FuseMountException {
        Objects.requireNonNull(fileSystem, "fileSystem");
        return mount(config -> new FuseServer(fileSystem, config), options);
    }

    /** Mounts a ready request handler (tests, or a server built elsewhere). */
    public static FuseMount mount(FuseRequestHandler handler, FuseMountOptions options) throws FuseMountException {
        Objects.requireNonNull(handler, "handler");
        return mount(config -> handler, options);
    }

    /**
     * Mounts the handler {@code handlerFactory} builds from the {@link FuseServerConfig} this mount
     * made (its notification sink writes to this mount's session).
     */
    public static FuseMount mount(Function<FuseServerConfig, ? extends FuseRequestHandler> handlerFactory,
                                  FuseMountOptions options) throws FuseMountException {
        return mount(handlerFactory, options, FuseDevice.standard());
    }

    static FuseMount mount(Function<FuseServerConfig, ? extends FuseRequestHandler> handlerFactory,
                           FuseMountOptions options, FuseDevice device) throws FuseMountException {
        return mount(handlerFactory, options, device, WaitMode.BLOCKING_READ);
    }

    /**
     * Mounts with workers that wait as {@code preferred} says; {@link WaitMode#BLOCKING_READ} falls
     * back to {@link WaitMode#POLL} when the connection's control directory cannot be reached.
     */
    static FuseMount mount(Function<FuseServerConfig, ? extends FuseRequestHandler> handlerFactory,
                           FuseMountOptions options, FuseDevice device, WaitMode preferred) throws FuseMountException {
        Objects.requireNonNull(handlerFactory, "handlerFactory");
        Objects.requireNonNull(options, "options");
        if (options.ioUring()) {
            FuseRingQueue.checkAvailable(FuseRingQueue.setupFlags(options.ringFlags()));
        }
        int sessionFd = device.openSession();
        int stopFd = -1;
        DeviceNotificationSink sink = null;
        MountArguments arguments = null;
        List<Integer> clones = new ArrayList<>();
        boolean started = false;
        try {
            FuseDevice.checkMountpoint(options.mountpoint());
            stopFd = eventFd();
            sink = new DeviceNotificationSink(sessionFd, options.bufferSize());
            FuseServerConfig config = serverConfig(options, sink);
            FuseRequestHandler handler = Objects.requireNonNull(handlerFactory.apply(config), "the handler factory returned null");
            arguments = MountArguments.of(options, sessionFd, IdentityCalls.getuid(), IdentityCalls.getgid());
            try {
                MountCalls.mount(arguments.source(), arguments.target(), arguments.type(), arguments.flags(), arguments.data());
            } catch (NativeException e) {
                MountArguments failed = arguments;
                arguments = null; // nothing to undo
                throw FuseMountException.mounting(failed, e);
            }
            Optional<MountInfo> made = findMount(options);
            int mountId = made.map(MountInfo::mountId).orElse(-1);
            Optional<ConnectionControl> control = preferred == WaitMode.BLOCKING_READ
                    ? made.flatMap(ConnectionControl::of)
                    : Optional.empty();
            WaitMode waitMode = control.isPresent() ? WaitMode.BLOCKING_READ : WaitMode.POLL;
            if (waitMode != preferred) {
                LOG.log(Level.DEBUG, () -> "the FUSE control file system is out of reach: workers poll instead of blocking");
            }
            for (int i = 0; i < options.workers(); i++) {
                clones.add(cloneOf(device, sessionFd, waitMode));
            }
            FuseSession session = new FuseSession(handler, sessionFd, stopFd, sink, waitMode, control);
            if (options.ioUring()) {
                session.useIoUring(options.ringDepth(), FuseRingQueue.setupFlags(options.ringFlags()));
            }
            FuseMount mount = new FuseMount(options, config, session, mountId);
            session.start(clones, options.bufferSize(), "virtiofs-fuse-" + SEQUENCE.incrementAndGet());
            started = true;
            LOG.log(Level.DEBUG, () -> "mounted " + mount);
            return mount;
        } finally {
            if (!started) {
                clones.forEach(FuseDevice::closeQuietly);
                if (arguments != null) {
                    detachQuietly(arguments.target());
                }
                if (sink != null) {
                    sink.close();
                }
                if (stopFd >= 0) {
                    FuseDevice.closeQuietly(stopFd);
                }
                FuseDevice.closeQuietly(sessionFd);
            }
        }
    }

    /** The configuration a server for {@code options} runs with. */
    static FuseServerConfig serverConfig(FuseMountOptions options, NotificationSink notifications) {
        return FuseServerConfig.builder()
                .maxWrite(options.maxWrite())
                .maxReadahead(options.maxReadahead())
                .maxBackground(options.maxBackground(), options.congestionThreshold())
                .timeGranularity(options.timeGranularity())
                .notifications(notifications)
                .answerUnknownInterrupts(true)
                .overIoUring(options.ioUring())
                // With default_permissions the kernel checked every request with all the caller's
                // groups; without, a file system that checks learns them from /proc.
                .permissionsCheckedByDriver(options.defaultPermissions())
                .callerGroups(ProcStatusGroups.INSTANCE)
                .build();
    }

    /**
     * The one place a {@link FileSystem} becomes a request handler: {@code new FuseServer(fs,
     * config)}. Until that class is part of virtiofs-protocol it is looked up by name, so this
     * transport builds without it.
     */
    private static int eventFd() throws FuseMountException {
        try {
            return EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC | EventFdCalls.EFD_NONBLOCK);
        } catch (NativeException e) {
            throw new FuseMountException(FuseMountException.Reason.MOUNT_FAILED,
                    "cannot create an eventfd: " + e.errno().description(), e.errno(), e);
        }
    }

    private static int cloneOf(FuseDevice device, int sessionFd, WaitMode waitMode) throws FuseMountException {
        try {
            return device.openClone(sessionFd, waitMode);
        } catch (NativeException e) {
            throw new FuseMountException(FuseMountException.Reason.MOUNT_FAILED, "cannot clone the " + device.path()
                    + " session for a worker: " + e.errno().description() + " (" + e.errno().name() + ")", e.errno(), e);
        }
    }

    /** The mount just made on the mountpoint; empty when /proc does not say. */
    private static Optional<MountInfo> findMount(FuseMountOptions options) {
        try {
            return MountInfo.topAt(options.mountpoint())
                    .filter(top -> top.type().equals(options.fileSystemType()) && top.source().equals(options.fsname()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static void detachQuietly(String target) {
        try {
            MountCalls.unmount(target, MountCalls.MNT_DETACH | MountCalls.UMOUNT_NOFOLLOW);
        } catch (NativeException e) {
            LOG.log(Level.WARNING, "could not undo the mount on " + target, e);
        }
    }

    /** The directory the file system is mounted on. */
    public Path mountpoint() {
        return options.mountpoint();
    }

    /** The options this mount was made with. */
    public FuseMountOptions options() {
        return options;
    }

    /** The configuration the request handler was given. */
    public FuseServerConfig serverConfig() {
        return serverConfig;
    }

    /**
     * What FUSE_INIT settled (protocol version, capabilities, limits), as the handler answered
     * the kernel; empty until then, or if the handler refused INIT.
     */
    public Optional<Negotiation> negotiated() {
        return session.negotiated();
    }

    /**
     * The requests answered over io_uring so far (see {@link FuseMountOptions#ioUring}); stays 0
     * when the kernel did not accept it, and then every request goes through /dev/fuse.
     */
    public long requestsOverIoUring() {
        return session.requestsOverIoUring();
    }

    /** Whether the session still serves requests (it has not been unmounted or closed). */
    public boolean isActive() {
        return !session.hasEnded();
    }

    /** Whether the file system was unmounted from outside (not by {@link #close()}). */
    public boolean wasUnmountedExternally() {
        return goneBeforeClose || session.isDeviceGone() && !closeStarted.get();
    }

    /** The error that ended the session, if a worker failed (rather than an unmount ending it). */
    public Optional<Throwable> failure() {
        return session.failure();
    }

    /** Waits until the session ends: an unmount from outside, {@link #close()}, or a failure. */
    public void awaitTermination() throws InterruptedException {
        session.awaitEnd();
    }

    /** Waits at most {@code timeout} for the session to end; true if it has. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return session.awaitEnd(timeout.toNanos());
    }

    /**
     * Serves in the foreground until the file system is unmounted from outside, SIGINT or SIGTERM
     * arrives, or the calling thread is interrupted; then unmounts ({@link #close()}) and returns:
     * the main loop of a program that mounts one file system.
     *
     * @throws FuseMountException if unmounting failed
     * @see #runUntilStopped(Runnable)
     */
    public void runUntilStopped() throws FuseMountException {
        runUntilStopped(() -> { });
    }

    /**
     * {@link #runUntilStopped()}, running {@code ready} once the signal handlers are in place and
     * before waiting (to print a "serving" line, or tell a supervisor).
     *
     * <p>While it runs, SIGINT and SIGTERM unmount instead of ending the JVM at once, and a JVM that
     * exits for another reason unmounts too (a shutdown hook); both are undone when it returns. A
     * signal this process ignores from its start stays ignored (a shell starts background jobs
     * with SIGINT ignored): a WARNING says so and names the signal that still stops it. An
     * interrupt of the calling thread stops it too, and stays set.
     *
     * @throws FuseMountException if unmounting failed
     */
    public void runUntilStopped(Runnable ready) throws FuseMountException {
        Objects.requireNonNull(ready, "ready");
        Thread hook = new Thread(this::closeQuietly, "virtiofs-unmount");
        boolean interrupted = false;
        try (StopSignals signals = StopSignals.install(this::closeQuietly)) {
            signals.ignoredNote().ifPresent(note -> LOG.log(Level.WARNING, note));
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                ready.run();
                session.awaitEnd();
            } catch (InterruptedException e) {
                interrupted = true;
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // The hook is unmounting.
                }
            }
        } finally {
            try {
                close();
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** {@link #close()} from a signal handler or a shutdown hook: a failure is logged. */
    private void closeQuietly() {
        try {
            close();
        } catch (FuseMountException e) {
            LOG.log(Level.WARNING, e.getMessage(), e);
        }
    }

    /**
     * Unmounts, stops the workers and closes every descriptor. The unmount is {@code umount2(0)},
     * and a lazy detach ({@code MNT_DETACH}) when the mount is busy; a mount that is no longer this
     * one's (unmounted from outside, or covered by another) is left alone. Waits for each worker
     * to finish the request it is serving; requests waiting for a lock are cancelled, and waited
     * for too. Idempotent: a second call waits for the first.
     *
     * <p>Called from a thread serving the file system (from inside a file system: a worker, or a
     * thread running a lock wait), it unmounts and stops the workers without waiting for them.
     *
     * @throws FuseMountException if unmounting failed (the workers are stopped regardless)
     */
    @Override
    public void close() throws FuseMountException {
        boolean first = closeStarted.compareAndSet(false, true);
        FuseMountException unmountFailure = null;
        if (first) {
            goneBeforeClose = session.isDeviceGone();
            try {
                unmount();
            } catch (FuseMountException e) {
                unmountFailure = e;
            }
            session.requestStop();
        }
        if (!session.isWorkerThread()) {
            session.joinWorkersUninterruptibly();
        }
        if (unmountFailure != null) {
            throw unmountFailure;
        }
    }

    private void unmount() throws FuseMountException {
        if (!ownsTopMount()) {
            return;
        }
        String target = options.mountpoint().toString();
        try {
            MountCalls.unmount(target, MountCalls.UMOUNT_NOFOLLOW);
        } catch (NativeException e) {
            if (e.errno() == Errno.EBUSY) {
                try {
                    MountCalls.unmount(target, MountCalls.MNT_DETACH | MountCalls.UMOUNT_NOFOLLOW);
                    LOG.log(Level.DEBUG, () -> target + " was busy; detached it");
                } catch (NativeException detach) {
                    if (!notMounted(detach)) {
                        throw FuseMountException.unmounting(options.mountpoint(), detach);
                    }
                }
            } else if (!notMounted(e)) {
                throw FuseMountException.unmounting(options.mountpoint(), e);
            }
        }
    }

    /** Whether the mount on top of the mountpoint is still this one. */
    private boolean ownsTopMount() {
        if (session.isDeviceGone()) {
            return false; // the kernel aborted the connection: the mount is gone
        }
        if (mountId < 0) {
            return true;
        }
        try {
            return MountInfo.topAt(options.mountpoint()).map(MountInfo::mountId).orElse(-1) == mountId;
        } catch (IOException e) {
            return true;
        }
    }

    private static boolean notMounted(NativeException e) {
        return e.errno() == Errno.EINVAL || e.errno() == Errno.ENOENT;
    }

    /** How the workers wait for requests, for tests. */
    WaitMode waitMode() {
        return session.waitMode();
    }

    /** The worker threads, for tests. */
    List<Thread> workerThreads() {
        return session.workerThreads();
    }

    /** Every thread started for requests that may block (lock waits), for tests. */
    List<Thread> blockingThreads() {
        return session.blockingThreads();
    }

    @Override
    public String toString() {
        return "FuseMount[" + options.mountpoint() + ", " + options.fileSystemType() + ", "
                + options.workers() + " workers, " + (isActive() ? "active" : "ended") + "]";
    }
}
