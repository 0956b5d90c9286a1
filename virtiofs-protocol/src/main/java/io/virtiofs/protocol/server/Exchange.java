package io.virtiofs.protocol.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.SecurityLabel;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.message.FuseReply;
import io.virtiofs.protocol.message.RequestExtensions;
import java.util.List;

/**
 * One request being served: the {@link Context} the file system sees and the reply being
 * written. Each thread that calls the server owns one and reuses it for every request, so serving
 * allocates nothing per request here.
 */
final class Exchange implements Context {

    private static final int[] NO_GROUPS = new int[0];

    // The request
    private Opcode opcode = Opcode.INIT;
    private long unique;
    private long nodeid;
    private int uid;
    private int gid;
    private int pid;
    private int umask;
    private int[] groups = NO_GROUPS;
    private List<SecurityLabel> labels = List.of();

    // Cancellation: set by the hiprio thread, read by this one.
    private volatile boolean running;
    private volatile long runningUnique;
    private volatile long cancelledUnique;
    private volatile boolean cancelledRunning;
    private volatile boolean cancelledByStop;
    /** What {@link #onCancel} asked to run, with the request it belongs to; taken once. */
    private volatile @org.jspecify.annotations.Nullable CancelAction cancelAction;

    /** A file system's cancellation action for request {@code unique}. */
    private record CancelAction(long unique, Runnable action) {
    }

    private static final java.lang.invoke.VarHandle CANCEL_ACTION;

    static {
        try {
            CANCEL_ACTION = java.lang.invoke.MethodHandles.lookup().findVarHandle(Exchange.class, "cancelAction",
                    CancelAction.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final System.Logger LOG = System.getLogger(FuseServer.class.getName());

    // The reply
    private ByteBuf reply;
    private int replyStart;
    private WireFormat format = WireFormat.forInit(io.virtiofs.protocol.WireOrder.LITTLE_ENDIAN);
    private boolean replied;
    /** The errno of the error reply written, 0 for none. */
    private int replyErrno;
    /** Whether {@link #begin} read a header whose opcode is known since the last {@link #reset}. */
    private boolean known;
    private RequestLimits limits = RequestLimits.BEFORE_INIT;
    /** The scratch of {@link #beginListing}; grows to the largest listing asked for. */
    private ByteBuf listing = Unpooled.buffer(0);

    // Who serves the request: the thread whose exchange this is (null while it belongs to a
    // pending request or waits for reuse), where a pending request completes, the session it
    // belongs to, and when it began (for the observer).
    private volatile @org.jspecify.annotations.Nullable Thread owner;
    private Completion completion = Completion.SYNCHRONOUS;
    private @org.jspecify.annotations.Nullable Session session;
    private long startNanos;

    // Credentials: what the transport says about its callers
    private final boolean permissionsCheckedByDriver;
    private final @org.jspecify.annotations.Nullable CallerGroups callerGroups;
    /** The caller's supplementary groups from {@link #callerGroups}, once looked up for this request. */
    private int @org.jspecify.annotations.Nullable [] learnedGroups;

    Exchange(ByteBuf placeholder, FuseServerConfig config) {
        this.reply = placeholder;
        this.permissionsCheckedByDriver = config.permissionsCheckedByDriver();
        this.callerGroups = config.callerGroups().orElse(null);
    }

    // fuse_in_header fields not kept above
    private int length;
    private int rawOpcode;
    private int totalExtlen;

    /**
     * Reads {@code fuse_in_header} from the request (moving its reader index past it) and starts
     * serving: the header's fields land here rather than in a new object.
     */
    void begin(ByteBuf request, WireFormat format, RequestLimits limits, ByteBuf reply) {
        io.virtiofs.protocol.WireOrder order = format.order();
        this.length = order.readInt(request);
        this.rawOpcode = order.readInt(request);
        this.unique = order.readLong(request);
        this.nodeid = order.readLong(request);
        this.uid = order.readInt(request);
        this.gid = order.readInt(request);
        this.pid = order.readInt(request);
        this.totalExtlen = order.readUnsignedShort(request);
        request.skipBytes(2);
        java.util.Optional<Opcode> decoded = Opcode.of(rawOpcode);
        this.known = decoded.isPresent();
        this.opcode = decoded.orElse(Opcode.INIT);
        this.replyErrno = 0;
        this.umask = 0;
        this.groups = NO_GROUPS;
        this.learnedGroups = null;
        this.labels = List.of();
        this.format = format;
        this.limits = limits;
        this.reply = reply;
        this.replyStart = reply.writerIndex();
        this.replied = false;
        this.cancelledRunning = false;
        this.cancelledByStop = false;
        if (cancelAction != null) {
            cancelAction = null;
        }
        this.runningUnique = unique;
        this.running = true;
    }

    /**
     * Prepares for a new request: forgets the last one's header, and keeps where it completes if
     * it goes pending and when it began.
     */
    void reset(Completion completion, long startNanos) {
        this.known = false;
        this.completion = completion;
        this.startNanos = startNanos;
        this.session = null;
    }

    /** The thread that serves with this exchange, or null while it is not a thread's. */
    @org.jspecify.annotations.Nullable Thread owner() {
        return owner;
    }

    /** Makes this exchange {@code thread}'s (null: a pending request's, or an idle one's). */
    void owner(@org.jspecify.annotations.Nullable Thread thread) {
        this.owner = thread;
    }

    /** Where the request completes if it goes pending. */
    Completion completion() {
        return completion;
    }

    /** When the request began ({@link System#nanoTime()}), 0 without an observer. */
    long startNanos() {
        return startNanos;
    }

    /** The session the request was served in. */
    @org.jspecify.annotations.Nullable Session session() {
        return session;
    }

    void session(@org.jspecify.annotations.Nullable Session value) {
        this.session = value;
    }

    /** Whether a header with a known opcode was read for the request being served. */
    boolean knownOpcode() {
        return known;
    }

    /** The errno of the error reply written for the request, 0 for none. */
    int replyErrno() {
        return replyErrno;
    }

    /** {@code fuse_in_header.len}. */
    int length() {
        return length;
    }

    /** {@code fuse_in_header.opcode}, as sent. */
    int rawOpcode() {
        return rawOpcode;
    }

    /** The length of the request's extensions, in bytes. */
    int extensionsLength() {
        return totalExtlen * 8;
    }

    /** Applies the request's extensions (supplementary groups, security labels). */
    void extensions(RequestExtensions extensions) {
        int[] supplementary = extensions.supplementaryGroups();
        this.groups = supplementary.length == 0 ? NO_GROUPS : supplementary;
        this.labels = extensions.securityLabels();
    }

    /** The request's umask, for requests that create nodes. */
    void umask(int value) {
        this.umask = value;
    }

    /** The request is done. */
    void end() {
        running = false;
        cancelledRunning = false;
        if (cancelAction != null) {
            cancelAction = null;
        }
    }

    /**
     * Cancels the request if it is the one running here.
     *
     * @return whether it was
     */
    boolean cancelIfRunning(long target) {
        if (running && runningUnique == target) {
            cancelledUnique = target;
            cancelledRunning = true;
            runCancelAction(target);
            return true;
        }
        return false;
    }

    /** Cancels the request running here, if any (the transport is stopping). */
    void cancelRunning() {
        if (running) {
            long target = runningUnique;
            cancelledByStop = true;
            cancelledUnique = target;
            cancelledRunning = true;
            runCancelAction(target);
        }
    }

    /**
     * The errno to answer for {@code errno}: {@code EINTR} from a request cancelled because the
     * transport is stopping becomes {@code ENOTCONN}, as if the connection had gone. No signal
     * stands behind that cancellation, and the kernel turns a lock request's {@code EINTR} into
     * {@code ERESTARTSYS}, which without a signal reaches the caller as errno 512.
     */
    Errno answerFor(Errno errno) {
        return errno == Errno.EINTR && cancelledByStop && isCancelled() ? Errno.ENOTCONN : errno;
    }

    /** Marks the running request cancelled before it started (its interrupt came first). */
    void cancelNow() {
        cancelledUnique = runningUnique;
        cancelledRunning = true;
    }

    /** Runs the file system's cancellation action of request {@code target}, if it has one not yet run. */
    private void runCancelAction(long target) {
        CancelAction registered = cancelAction;
        if (registered == null || registered.unique() != target
                || !CANCEL_ACTION.compareAndSet(this, registered, (CancelAction) null)) {
            return;
        }
        try {
            registered.action().run();
        } catch (RuntimeException | Error bug) {
            LOG.log(System.Logger.Level.ERROR, "the cancellation action of request " + target + " failed", bug);
        }
    }

    Opcode opcode() {
        return opcode;
    }

    long unique() {
        return unique;
    }

    long nodeid() {
        return nodeid;
    }

    WireFormat format() {
        return format;
    }

    /** The sizes this session's requests may name. */
    RequestLimits limits() {
        return limits;
    }

    /** The bytes the reply buffer can still take (the driver's writable space left). */
    int replyRoom() {
        return reply.maxWritableBytes();
    }

    boolean replied() {
        return replied;
    }

    // ------------------------------------------------------------------ Context

    @Override
    public int uid() {
        return uid;
    }

    @Override
    public int gid() {
        return gid;
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public int umask() {
        return umask;
    }

    @Override
    public int supplementaryGroupCount() {
        return groups.length;
    }

    @Override
    public int supplementaryGroup(int index) {
        return groups[index];
    }

    @Override
    public boolean permissionsCheckedByDriver() {
        return permissionsCheckedByDriver;
    }

    /** The request's own groups first; then, once per request, what the transport can learn. */
    @Override
    public boolean isInGroup(int gid) {
        if (Context.super.isInGroup(gid)) {
            return true;
        }
        CallerGroups lookup = callerGroups;
        if (lookup == null || pid == 0) {
            return false;
        }
        int[] learned = learnedGroups;
        if (learned == null) {
            learned = lookup.of(pid);
            learnedGroups = learned;
        }
        for (int group : learned) {
            if (group == gid) {
                return true;
            }
        }
        return false;
    }

    @Override
    public List<SecurityLabel> securityLabels() {
        return labels;
    }

    @Override
    public boolean isCancelled() {
        return cancelledRunning && cancelledUnique == runningUnique;
    }

    @Override
    public long requestId() {
        return unique;
    }

    @Override
    public void onCancel(Runnable action) {
        java.util.Objects.requireNonNull(action, "action");
        long target = runningUnique;
        cancelAction = new CancelAction(target, action);
        if (isCancelled()) {
            runCancelAction(target);
        }
    }

    // ------------------------------------------------------------------ replies

    /** Fails with {@link ReplyTooLarge} unless {@code bytes} more fit into the reply. */
    void requireSpace(int bytes) {
        if (reply.maxWritableBytes() < bytes) {
            throw ReplyTooLarge.INSTANCE;
        }
    }

    /** The room left for a reply's data after the header. */
    int dataSpace() {
        return Math.max(0, reply.maxWritableBytes() - OutHeader.SIZE);
    }

    /** Replies with a body. */
    void reply(FuseReply body) {
        int size = OutHeader.SIZE + body.encodedSize(format);
        requireSpace(size);
        OutHeader.encode(reply, format.order(), size, 0, unique);
        body.encode(reply, format);
        replied = true;
    }

    /** Replies with a node (fuse_entry_out), allocating nothing. */
    void replyEntry(io.virtiofs.api.Entry entry) {
        int size = OutHeader.SIZE + io.virtiofs.protocol.message.EntryOut.size(format);
        requireSpace(size);
        OutHeader.encode(reply, format.order(), size, 0, unique);
        io.virtiofs.protocol.message.EntryOut.encodeEntry(reply, format, entry);
        replied = true;
    }

    /** Replies with attributes (fuse_attr_out), allocating nothing. */
    void replyAttr(io.virtiofs.api.AttrReply attr) {
        int size = OutHeader.SIZE + io.virtiofs.protocol.message.AttrOut.size(format);
        requireSpace(size);
        OutHeader.encode(reply, format.order(), size, 0, unique);
        io.virtiofs.protocol.message.AttrOut.encodeReply(reply, format, attr, nodeid);
        replied = true;
    }

    /** Replies to a write (fuse_write_out), allocating nothing. */
    void replyWritten(int count) {
        int size = OutHeader.SIZE + 8;
        requireSpace(size);
        OutHeader.encode(reply, format.order(), size, 0, unique);
        format.order().writeInt(reply, count);
        reply.writeInt(0);
        replied = true;
    }

    /** Replies success with no body. */
    void replyEmpty() {
        requireSpace(OutHeader.SIZE);
        OutHeader.encode(reply, format.order(), OutHeader.SIZE, 0, unique);
        replied = true;
    }

    /** Replies with an error, dropping anything written so far. */
    void replyError(Errno errno) {
        replyErrno = errno.code();
        reply.writerIndex(replyStart);
        requireSpace(OutHeader.SIZE);
        OutHeader.encode(reply, format.order(), OutHeader.SIZE, -errno.code(), unique);
        replied = true;
    }

    /**
     * Starts a reply whose body is raw data written by the caller: returns a view of at most
     * {@code limit} bytes of the reply buffer after the header (writer index 0). Finish with
     * {@link #finishData(ByteBuf)}.
     */
    ByteBuf beginData(int limit) {
        int room = reserveData(limit);
        return reply.slice(replyStart + OutHeader.SIZE, room).clear();
    }

    /**
     * Makes room in the reply for the header and at most {@code limit} (unsigned) data bytes;
     * returns the data room.
     */
    private int reserveData(int limit) {
        requireSpace(OutHeader.SIZE);
        int room = (int) Math.min(Integer.toUnsignedLong(limit), dataSpace());
        reply.ensureWritable(OutHeader.SIZE + room);
        return room;
    }

    /**
     * Where a directory listing of at most {@code limit} bytes is built: a reused heap array, not
     * the reply. A listing is many small writes (five fields, a name and padding per entry), and
     * each write into guest memory pays a bounds check and a search for the descriptor it falls
     * in; built here and copied once by {@link #finishListing}, 122 entries of a 4 KiB READDIR
     * page cost one copy of it. The buffer holds exactly the room (its maximum capacity), so
     * it is handed out itself, not a slice of a larger one: a slice per listing was one more
     * buffer class at every field write, and a guest's first READDIRPLUS page made the JIT
     * throw away the entry encoders it had compiled for the other two.
     */
    ByteBuf beginListing(int limit) {
        int room = reserveData(limit);
        if (listing.maxCapacity() != room) {
            listing = Unpooled.buffer(room, room);
        }
        return listing.clear();
    }

    /** Completes a data reply with the listing {@code data} (from {@link #beginListing}) holds. */
    void finishListing(ByteBuf data) {
        reply.setBytes(replyStart + OutHeader.SIZE, data, 0, data.writerIndex());
        finishData(data);
    }

    /** Completes a data reply with what {@code data} (from {@link #beginData}) holds. */
    void finishData(ByteBuf data) {
        int size = OutHeader.SIZE + data.writerIndex();
        reply.writerIndex(replyStart);
        OutHeader.encode(reply, format.order(), size, 0, unique);
        reply.writerIndex(replyStart + size);
        replied = true;
    }

    /** Replies with the given bytes as body. */
    void replyBytes(byte[] body) {
        int size = OutHeader.SIZE + body.length;
        requireSpace(size);
        OutHeader.encode(reply, format.order(), size, 0, unique);
        reply.writeBytes(body);
        replied = true;
    }

    /** Replies with a symbolic link's target as body. */
    void replyTarget(io.virtiofs.api.SymlinkTarget target) {
        int size = OutHeader.SIZE + target.length();
        requireSpace(size);
        OutHeader.encode(reply, format.order(), size, 0, unique);
        target.writeTo(reply);
        replied = true;
    }

    /** Drops anything written: the request takes no reply. */
    void discardReply() {
        reply.writerIndex(replyStart);
        replied = false;
    }
}
