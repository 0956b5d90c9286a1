package io.virtiofs.protocol.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.Notifier;
import io.virtiofs.protocol.InHeader;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.RequestExtensions;
import io.virtiofs.protocol.migration.DeviceState;
import io.virtiofs.protocol.migration.MigrationOnError;
import io.virtiofs.protocol.migration.StateFormatException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A FUSE server that does not know its transport: it takes one request's bytes, calls the
 * {@link FileSystem}, and writes the reply's bytes. Transports (/dev/fuse, the virtio-fs device)
 * feed it from as many threads as they like.
 *
 * <p>The session: FUSE_INIT must come first (its opcode also reveals the driver's byte order,
 * which every later message of the session uses); FUSE_DESTROY ends the session and a new INIT may
 * start another. FUSE_INTERRUPT cancels a running request ({@link io.virtiofs.api.Context#isCancelled()}),
 * or one that has not started yet. Lookup counts are kept per node, so FORGET and BATCH_FORGET give
 * the file system back exactly what was looked up, and whatever remains when a session ends.
 *
 * <p>Errors, in three tiers: a file system's {@link io.virtiofs.api.ErrnoException} is an ordinary
 * error reply; any other exception from it becomes EIO and a log line; a malformed request gets an
 * error reply (EINVAL, ENAMETOOLONG, ENOSYS, EPROTO for a bad INIT) keeping its {@code unique}
 * whenever the header parsed. Nothing a request contains makes {@link #handle} throw.
 */
public final class FuseServer implements FuseRequestHandler, DeviceState {

    private static final System.Logger LOG = System.getLogger(FuseServer.class.getName());

    private final FileSystem fs;
    private final FuseServerConfig config;
    private final LookupCounts lookups = new LookupCounts();
    private final InterruptRegistry interrupts = new InterruptRegistry();
    private final Counters counters = new Counters();
    private final ServerNotifier notifier;
    /** Each serving thread's exchange, and whether its request took it away (went pending). */
    private final ThreadLocal<Serving> serving;
    /** Exchanges of finished pending requests, for the next request that goes pending. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Exchange> idleExchanges =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final Operations operations;
    private final Answers answers;
    private final Object sessionLock = new Object();
    /** {@link FuseServerConfig#observer()}, or null: then no clock is read. */
    private final @Nullable RequestObserver observer;
    private volatile @Nullable Session session;
    /** Whether a migrated state began to load here (a warm-up competing for the CPU should end). */
    private volatile boolean stateLoadBegun;
    /** Sessions started here (by INIT or migrated in); guarded by {@link #sessionLock}. */
    private int sessionsStarted;
    /**
     * The byte order of the last session, for the error replies to requests that come between
     * sessions and whose opcode shows no order (the driver's order changes only with a new INIT).
     */
    private volatile WireOrder lastOrder = WireOrder.LITTLE_ENDIAN;

    /** A server for {@code fs}, configured by its transport. */
    public FuseServer(FileSystem fs, FuseServerConfig config) {
        this.fs = Objects.requireNonNull(fs, "fs");
        this.config = Objects.requireNonNull(config, "config");
        this.notifier = new ServerNotifier(config.notifications(), this::currentFormat);
        this.serving = ThreadLocal.withInitial(() -> new Serving(newExchange()));
        this.answers = new Answers(counters);
        this.operations = new Operations(fs, config, lookups, counters,
                new PendingRequests(new PendingHost(), answers, counters));
        this.observer = config.observer().orElse(null);
    }

    /** What one thread serving requests keeps; only that thread touches it. */
    private static final class Serving {
        Exchange exchange;
        /** Set when the request being served went pending and took {@link #exchange}'s predecessor. */
        boolean detached;

        Serving(Exchange exchange) {
            this.exchange = exchange;
        }
    }

    private Exchange newExchange() {
        Exchange exchange = new Exchange(Unpooled.EMPTY_BUFFER, config);
        interrupts.register(exchange);
        return exchange;
    }

    /** How pending requests take their exchanges away from the threads that read them, and back. */
    private final class PendingHost implements PendingRequests.Host {

        @Override
        public void detach(Exchange exchange) {
            Exchange fresh = idleExchanges.poll();
            if (fresh == null) {
                fresh = newExchange();
            } else {
                fresh.owner(Thread.currentThread());
            }
            exchange.owner(null);
            Serving here = serving.get();
            here.exchange = fresh;
            here.detached = true;
        }

        @Override
        public void retire(Exchange exchange) {
            exchange.end();
            RequestObserver watching = observer;
            if (watching != null) {
                observe(watching, exchange, exchange.startNanos());
            }
            idleExchanges.add(exchange);
        }

        @Override
        public boolean isCurrent(@Nullable Session served) {
            return served != null && served == session;
        }
    }

    /**
     * Whether this server may answer {@link Served#pending()}: its file system is an
     * {@link io.virtiofs.api.AsyncFileSystem}.
     */
    @Override
    public boolean mayCompleteLater() {
        return fs instanceof io.virtiofs.api.AsyncFileSystem;
    }

    /** The file system served. */
    public FileSystem fileSystem() {
        return fs;
    }

    /** The configuration the transport gave. */
    public FuseServerConfig config() {
        return config;
    }

    /** What the current session's INIT settled; empty before INIT and after the session ends. */
    public Optional<Negotiation> negotiation() {
        Session current = session;
        return current == null ? Optional.empty() : Optional.of(current.negotiation());
    }

    /** The notifier file systems use (also handed to them in INIT). */
    public Notifier notifier() {
        return notifier;
    }

    /** The server's counters now. */
    public ServerStatistics statistics() {
        return counters.snapshot(lookups.nodes());
    }

    /** How many exchanges (contexts of requests) the server keeps, for tests. */
    int interruptRegistrySize() {
        return interrupts.registered();
    }

    /** The lookups the driver holds of {@code nodeid} (for tests and diagnostics). */
    public long lookupCount(long nodeid) {
        return lookups.count(nodeid);
    }

    private Optional<WireFormat> currentFormat() {
        Session current = session;
        return current == null ? Optional.empty() : Optional.of(current.format());
    }

    /**
     * FORGET, BATCH_FORGET and INTERRUPT are high priority; FUSE_SETLKW may block (it waits until
     * a conflicting lock goes away: only another request can end it). Read in the session's byte
     * order (before INIT, in either).
     */
    @Override
    public RequestClass classify(ByteBuf request) {
        if (request.readableBytes() < InHeader.SIZE) {
            return RequestClass.NORMAL;
        }
        int index = request.readerIndex() + InHeader.OPCODE_OFFSET;
        Session current = session;
        Optional<Opcode> known = Opcode.of(current != null
                ? current.format().order().getInt(request, index)
                : detectOrder(request, lastOrder).getInt(request, index));
        if (known.isEmpty()) {
            return RequestClass.NORMAL;
        }
        Opcode opcode = known.get();
        return opcode.highPriority() ? RequestClass.HIGH_PRIORITY
                : opcode.mayBlock() ? RequestClass.MAY_BLOCK : RequestClass.NORMAL;
    }

    /** Creates and registers the calling thread's exchange (its {@link Serving} holder). */
    @Override
    public void prepareThread() {
        serving.get();
    }

    @Override
    public Served answerFailure(ByteBuf request, ByteBuf reply, Errno errno) {
        return answerFailure(request, reply, errno, false);
    }

    /**
     * An error reply to {@code request}, keeping its {@code unique}, in the session's byte order;
     * nothing for a request that takes no reply, unless {@code evenWithoutReply}; unique 0 for a
     * request too short for a header.
     */
    @Override
    public Served answerFailure(ByteBuf request, ByteBuf reply, Errno errno, boolean evenWithoutReply) {
        Session current = session;
        WireOrder order = current != null ? current.format().order() : detectOrder(request, lastOrder);
        long unique = 0;
        if (request.readableBytes() >= InHeader.SIZE) {
            int start = request.readerIndex();
            Optional<Opcode> opcode = Opcode.of(order.getInt(request, start + InHeader.OPCODE_OFFSET));
            if (!evenWithoutReply && opcode.isPresent() && !opcode.get().replies()) {
                return Served.noReply();
            }
            unique = order.getLong(request, start + InHeader.UNIQUE_OFFSET);
        }
        if (reply.maxWritableBytes() < OutHeader.SIZE) {
            return Served.noRoom();
        }
        OutHeader.encode(reply, order, OutHeader.SIZE, -errno.code(), unique);
        return Served.replied();
    }

    /**
     * Serves one request. A request that an asynchronous file system completes later is answered
     * {@link Served#pending()} and finishes through {@code completion}; with
     * {@link Completion#SYNCHRONOUS} it is waited for here instead.
     */
    @Override
    public Served handle(ByteBuf request, ByteBuf reply, Completion completion) {
        Serving here = serving.get();
        Exchange exchange = here.exchange;
        here.detached = false;
        int replyStart = reply.writerIndex();
        RequestObserver watching = observer;
        long start = watching != null ? System.nanoTime() : 0;
        exchange.reset(completion, start);
        boolean detached = false;
        try {
            Served served = serve(exchange, request, reply);
            // A request that went pending took its exchange along (the thread has a fresh one):
            // its completion ends it.
            detached = here.detached;
            return served;
        } catch (ReplyTooLarge tooLarge) {
            reply.writerIndex(replyStart);
            counters.repliesTooLarge.increment();
            return Served.noRoom();
        } finally {
            if (!detached) {
                exchange.end();
                if (watching != null) {
                    observe(watching, exchange, start);
                }
            }
        }
    }

    private static void observe(RequestObserver watching, Exchange exchange, long start) {
        if (!exchange.knownOpcode()) {
            return;
        }
        try {
            watching.served(exchange.opcode(), exchange.replyErrno(), System.nanoTime() - start);
        } catch (RuntimeException bug) {
            LOG.log(Level.WARNING, "the request observer failed", bug);
        }
    }

    private Served serve(Exchange exchange, ByteBuf request, ByteBuf reply) {
        Session current = session;
        int length = request.readableBytes();
        WireOrder order = current != null ? current.format().order() : detectOrder(request, lastOrder);
        if (length < InHeader.SIZE) {
            counters.malformed.increment();
            return replyUnparsed(reply, order, Errno.EINVAL);
        }
        WireFormat format = current != null ? current.format() : WireFormat.forInit(order);
        exchange.begin(request, format, current != null ? current.limits() : RequestLimits.BEFORE_INIT, reply);
        exchange.session(current);
        Optional<Opcode> known = Opcode.of(exchange.rawOpcode());
        if (known.isEmpty()) {
            counters.unknownOpcodes.increment();
            LOG.log(Level.DEBUG, "unknown opcode {0} in request {1}", exchange.rawOpcode(), exchange.unique());
            exchange.replyError(Errno.ENOSYS);
            return Served.replied();
        }
        Opcode opcode = known.get();
        counters.request(opcode);
        int extensionsLength = exchange.extensionsLength();
        if (exchange.length() != length || InHeader.SIZE + extensionsLength > length) {
            counters.malformed.increment();
            LOG.log(Level.DEBUG, "request {0} ({1}): header length {2} and extensions {3} disagree with the {4} bytes received",
                    exchange.unique(), opcode, Integer.toUnsignedString(exchange.length()), extensionsLength, length);
            return answers.errorOrNothing(exchange, opcode, Errno.EINVAL);
        }
        if (current == null && opcode != Opcode.INIT) {
            LOG.log(Level.DEBUG, "request {0} ({1}) before FUSE_INIT", exchange.unique(), opcode);
            return answers.errorOrNothing(exchange, opcode, Errno.EIO);
        }
        // The body is read from the request itself, its writer index pulled in to the body's end:
        // no slice object per request.
        int bodyStart = request.readerIndex();
        int bodyEnd = bodyStart + length - InHeader.SIZE - extensionsLength;
        int writerIndex = request.writerIndex();
        try {
            if (extensionsLength > 0) {
                exchange.extensions(RequestExtensions.decode(request.slice(bodyEnd, extensionsLength), format));
            }
            request.writerIndex(bodyEnd);
            if (interrupts.takeEarly(exchange.unique())) {
                exchange.cancelNow();
            }
            return dispatch(exchange, opcode, request, order, format);
        } catch (Throwable thrown) {
            return answers.failed(exchange, opcode, thrown);
        } finally {
            request.writerIndex(writerIndex);
        }
    }

    private Served dispatch(Exchange exchange, Opcode opcode, ByteBuf body, WireOrder order, WireFormat format) {
        return switch (opcode) {
            case INIT -> init(exchange, body, order);
            case DESTROY -> destroy(exchange);
            case INTERRUPT -> interrupt(exchange, body);
            case NOTIFY_REPLY -> {
                notifier.retrieveReply(exchange.unique(), io.virtiofs.protocol.message.NotifyReplyIn.decode(body, format));
                yield Served.noReply();
            }
            default -> {
                if (exchange.isCancelled() && opcode.replies()) {
                    exchange.replyError(exchange.answerFor(Errno.EINTR));
                    yield Served.replied();
                }
                yield operations.dispatch(exchange, opcode, body);
            }
        };
    }

    /**
     * The byte order of a request that arrives before FUSE_INIT: the order in which its opcode reads
     * FUSE_INIT; else the one order in which its length field equals the bytes received; else the one
     * order in which its opcode is known; else {@code fallback}. Only the first is certain: the rest
     * serve to word the error reply so that a driver of either order can read it.
     */
    private static WireOrder detectOrder(ByteBuf request, WireOrder fallback) {
        if (request.readableBytes() < InHeader.SIZE) {
            return fallback;
        }
        int start = request.readerIndex();
        int opcodeIndex = start + InHeader.OPCODE_OFFSET;
        int length = request.readableBytes();
        boolean lengthLE = request.getIntLE(start) == length;
        boolean lengthBE = request.getInt(start) == length;
        boolean knownLE = Opcode.of(request.getIntLE(opcodeIndex)).isPresent();
        boolean knownBE = Opcode.of(request.getInt(opcodeIndex)).isPresent();
        return WireOrder.detect(request, opcodeIndex, Opcode.INIT.code())
                .or(() -> lengthLE != lengthBE
                        ? Optional.of(lengthLE ? WireOrder.LITTLE_ENDIAN : WireOrder.BIG_ENDIAN)
                        : Optional.empty())
                .or(() -> knownLE != knownBE
                        ? Optional.of(knownLE ? WireOrder.LITTLE_ENDIAN : WireOrder.BIG_ENDIAN)
                        : Optional.empty())
                .orElse(fallback);
    }

    /** An error reply for a request whose header did not parse (its unique is unknown: 0). */
    private static Served replyUnparsed(ByteBuf reply, WireOrder order, Errno errno) {
        if (reply.maxWritableBytes() < OutHeader.SIZE) {
            throw ReplyTooLarge.INSTANCE;
        }
        OutHeader.encode(reply, order, OutHeader.SIZE, -errno.code(), 0);
        return Served.replied();
    }

    // ------------------------------------------------------------------ session requests

    private Served init(Exchange exchange, ByteBuf body, WireOrder order) {
        synchronized (sessionLock) {
            if (session != null) {
                LOG.log(Level.WARNING, "FUSE_INIT {0} in a session already initialized; answering EPROTO",
                        exchange.unique());
                counters.error(Opcode.INIT);
                exchange.replyError(Errno.EPROTO);
                return Served.replied();
            }
            Optional<Session> started = SessionStart.start(exchange, body, order, fs, config, notifier);
            started.ifPresent(s -> {
                session = s;
                sessionsStarted++;
                lastOrder = s.format().order();
                LOG.log(config.sessionLogLevel(), () -> "FUSE session started: FUSE " + s.negotiation().version()
                        + " (driver " + s.negotiation().driverVersion() + ")");
                LOG.log(Level.DEBUG, () -> "FUSE_INIT negotiated " + s.negotiation().describe());
            });
            if (started.isEmpty()) {
                counters.error(Opcode.INIT);
                return Served.replied();
            }
            return Served.replied(new SessionEvent.Initialized(started.get().negotiation()));
        }
    }

    private Served destroy(Exchange exchange) {
        endSession("FUSE_DESTROY");
        exchange.replyEmpty();
        return Served.replied(new SessionEvent.Destroyed());
    }

    private Served interrupt(Exchange exchange, ByteBuf body) {
        long target = io.virtiofs.protocol.message.InterruptIn.decode(body, exchange.format()).unique();
        counters.interrupts.increment();
        if (interrupts.interruptRunning(target)) {
            counters.interruptsDelivered.increment();
            return Served.noReply();
        }
        if (config.answerUnknownInterrupts()) {
            // The /dev/fuse driver queues the interrupt again on EAGAIN, once the request runs.
            exchange.replyError(Errno.EAGAIN);
            return Served.replied();
        }
        interrupts.rememberEarly(target);
        return Served.noReply();
    }

    @Override
    public void sessionEnded() {
        endSession("the transport ended the session");
    }

    private void endSession(String why) {
        synchronized (sessionLock) {
            if (session == null) {
                return;
            }
            session = null;
            interrupts.clear();
            notifier.sessionEnded();
            lookups.drain((nodeid, count) -> {
                forgetQuietly(nodeid, count);
                return 0;
            });
            try {
                fs.destroy();
            } catch (RuntimeException bug) {
                LOG.log(Level.ERROR, "the file system failed in destroy()", bug);
            }
            LOG.log(config.sessionLogLevel(), "FUSE session ended: {0}; requests served: {1}", why, requestSummary());
        }
    }

    /** "LOOKUP 12, GETATTR 40, ..." from the counters, busiest first. */
    private String requestSummary() {
        ServerStatistics statistics = statistics();
        StringBuilder text = new StringBuilder();
        statistics.requests().entrySet().stream()
                .sorted(java.util.Map.Entry.<Opcode, Long>comparingByValue().reversed())
                .forEach(e -> text.append(text.isEmpty() ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue()));
        return text.isEmpty() ? "none" : text.toString();
    }

    private void forgetQuietly(long nodeid, long count) {
        try {
            fs.forget(nodeid, count);
        } catch (RuntimeException bug) {
            LOG.log(Level.ERROR, "the file system failed in forget(" + nodeid + ", " + count + ")", bug);
        }
    }

    /**
     * Cancels every running request: each sees {@link io.virtiofs.api.Context#isCancelled()}; an
     * {@code EINTR} it answers goes out as {@code ENOTCONN} (no signal interrupted it).
     */
    @Override
    public void cancelRunning() {
        interrupts.interruptAllRunning();
    }

    // ------------------------------------------------------------------ migration

    /** Whether a migrated state began to load here: this server is a migration's destination. */
    public boolean stateLoadBegun() {
        return stateLoadBegun;
    }

    @Override
    public Optional<String> migrationBlocker() {
        return SessionMigration.blocker(fs);
    }

    /** Writes the session and the file system's state (see {@link SessionMigration}); call with no request running. */
    @Override
    public void saveState(WritableByteChannel out) throws IOException {
        synchronized (sessionLock) {
            SessionMigration.save(out, fs, session, lookups, interrupts);
        }
    }

    /**
     * Takes over a migrated session: the file system's state, the driver's nodeids and lookups,
     * the INIT it settled (replayed here), early interrupts. Only before the first session.
     */
    @Override
    public void loadState(ReadableByteChannel in, MigrationOnError onError) throws IOException {
        stateLoadBegun = true;
        synchronized (sessionLock) {
            if (session != null || sessionsStarted > 0) {
                throw new StateFormatException("this back-end has served a FUSE session already: a migrated state is"
                        + " loaded only into a fresh one");
            }
            SessionMigration.Restored restored = SessionMigration.load(in, fs, config, notifier, onError);
            for (int i = 0; i < restored.nodeids().length; i++) {
                lookups.restore(restored.nodeids()[i], restored.counts()[i]);
            }
            for (long unique : restored.earlyInterrupts()) {
                interrupts.rememberEarly(unique);
            }
            Session migrated = restored.session();
            if (migrated != null) {
                session = migrated;
                sessionsStarted++;
                lastOrder = migrated.format().order();
                LOG.log(config.sessionLogLevel(), () -> "FUSE session migrated in: " + migrated.negotiation().describe());
            }
        }
    }

    @Override
    public void replyNotDelivered(ByteBuf request, ByteBuf reply) {
        Session current = session;
        if (current != null) {
            operations.undelivered(request, reply, current.format());
        }
    }
}
