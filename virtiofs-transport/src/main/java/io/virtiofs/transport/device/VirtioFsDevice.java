package io.virtiofs.transport.device;

import io.virtiofs.api.DaxWindow;
import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.transport.memory.GuestMemory;
import io.virtiofs.transport.memory.MemoryTable;
import io.virtiofs.transport.virtqueue.GuestWriteLog;
import io.virtiofs.transport.virtqueue.QueueFaultException;
import io.virtiofs.transport.virtqueue.RingFeatures;
import io.virtiofs.transport.virtqueue.RingLayout;
import io.virtiofs.transport.virtqueue.SplitQueue;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The virtio file system device (virtio device ID {@value #DEVICE_ID}): configuration space,
 * feature negotiation, device status, and queue 0 (hiprio) plus {@code num_queues} request
 * queues, each served by its own worker thread.
 *
 * <p><b>Control API.</b> A transport drives the device the way a virtio driver or a vhost-user
 * front-end does: {@link #setDriverFeatures}, {@link #setStatus}, {@link #setMemory} (also while
 * queues run: workers pick up the new snapshot between chains; replaced regions are unmapped once
 * unused), and per queue {@link #setQueueSize}, {@link #setQueueAddresses}, {@link #setQueueBase},
 * {@link #setQueueKick}, {@link #setQueueCall}, {@link #startQueue}, {@link #setQueueEnabled},
 * {@link #stopQueue} (returns the next available index) and {@link #reset()}. Control methods are
 * synchronized; workers never take the device's lock.
 *
 * <p><b>Requests.</b> Each chain's readable part (fuse_in_header + datain) and writable part
 * (fuse_out_header + dataout) go to the {@link FuseRequestHandler} as buffers over guest memory.
 * The used length is the bytes written; {@code NO_REPLY} uses 0 bytes; {@code REPLY_TOO_LARGE}
 * breaks the queue. Requests complete on the queue they came from, in any order: with
 * {@link Builder#requestThreads}, request-queue requests run on a bounded pool and their
 * completions go back to the queue's worker, which alone writes the used ring.
 *
 * <p><b>Hiprio.</b> Queue 0 is always served inline by its own worker, never behind request-queue
 * work, so FORGET and INTERRUPT arrive promptly. Policy for misplaced requests (the
 * specification binds the driver, not the device): a FORGET, BATCH_FORGET or INTERRUPT on a
 * request queue is handed to the handler like any request (dropping a FORGET would leak lookup
 * counts); a normal request on hiprio is served there too and logged once, since the driver
 * waits for its reply either way.
 *
 * <p><b>Configuration space.</b> {@code num_request_queues} reads as the number of request queues
 * served, or as the number a front-end configured when that is fewer (see {@link #readConfig}).
 *
 * <p><b>Hostile drivers.</b> A queue whose driver breaks the ring protocol stops; the device sets
 * {@link DeviceStatus#DEVICE_NEEDS_RESET} and sends a configuration change notification; the
 * other queues keep serving.
 */
public final class VirtioFsDevice implements AutoCloseable {

    /** The virtio device ID of a file system device. */
    public static final int DEVICE_ID = 26;
    /** The hiprio queue's index. */
    public static final int HIPRIO_QUEUE = 0;

    private static final System.Logger LOG = System.getLogger(VirtioFsDevice.class.getName());

    private final VirtioFsConfig config;
    private final FuseRequestHandler handler;
    private final int maxQueueSize;
    private final long stopTimeoutNanos;
    private final @Nullable ExecutorService requestPool;
    private final ExecutorService blockingPool;
    private final MemoryTable memoryTable = new MemoryTable();
    private final QueueSlot[] queues;
    private final WorkerContext workerContext;
    private final AtomicInteger status = new AtomicInteger();
    private final Optional<DaxWindow> daxWindow;
    private long driverFeatures;
    /** Where the queues record their writes to guest memory (live migration), or null. */
    private @Nullable GuestWriteLog writeLog;
    /** One more than the highest queue index the driver configured (kept across resets). */
    private int announcedQueues;
    private volatile CallEvent configCall = CallEvent.none();
    private boolean closed;

    private VirtioFsDevice(Builder builder, FuseRequestHandler handler) {
        this.config = new VirtioFsConfig(builder.tag, builder.requestQueues);
        this.handler = handler;
        this.maxQueueSize = builder.maxQueueSize;
        this.stopTimeoutNanos = builder.stopTimeout.toNanos();
        this.daxWindow = builder.daxWindow;
        this.requestPool = builder.requestThreads == 0 ? null
                : RequestPool.create(builder.requestThreads, builder.requestBacklog, "virtiofs-" + builder.tag + "-req-");
        this.queues = new QueueSlot[1 + builder.requestQueues];
        for (int i = 0; i < queues.length; i++) {
            queues[i] = new QueueSlot(i, maxQueueSize);
        }
        this.blockingPool = RequestPool.elastic(RequestPool.MAX_BLOCKING_THREADS, "virtiofs-" + builder.tag + "-wait-");
        this.workerContext = new WorkerContext(memoryTable, handler, requestPool, blockingPool, builder.spinIterations,
                this::queueFailed, new AtomicBoolean(), "virtiofs-" + builder.tag + "-q");
    }

    /** A builder for a device named {@code tag}. */
    public static Builder builder(String tag) {
        return new Builder(tag);
    }

    // ---- identity, configuration space, features, status ----

    public VirtioFsConfig config() {
        return config;
    }

    /**
     * The DAX window (shared memory region 0), if the device has one; a transport advertises its
     * size, the FUSE server maps through it.
     */
    public Optional<DaxWindow> daxWindow() {
        return daxWindow;
    }

    /** hiprio plus the request queues. */
    public int queueCount() {
        return queues.length;
    }

    /** The largest queue size a driver may choose (the Queue Size the device offers). */
    public int maxQueueSize() {
        return maxQueueSize;
    }

    /**
     * A driver's configuration space read.
     *
     * @throws ConfigAccessException if the range is outside the {@value VirtioFsConfig#SIZE} bytes
     */
    public byte[] readConfig(int offset, int length) throws ConfigAccessException {
        return visibleConfig().read(offset, length);
    }

    /**
     * The configuration space a driver reads: {@code num_request_queues} is the number of request
     * queues served, or fewer once a front-end has configured fewer. A vhost-user front-end sets
     * every vring of its device up (SET_VRING_CALL at least) before its guest first reads the
     * configuration space, and QEMU's generic vhost-user device passes that read on to the
     * back-end: a guest told of more queues than the device it sees has would fail to probe it.
     */
    private synchronized VirtioFsConfig visibleConfig() {
        int announced = announcedQueues - 1;
        return announced >= 1 && announced < config.numRequestQueues()
                ? new VirtioFsConfig(config.tag(), announced) : config;
    }

    /** Notes that the driver configured {@code queue}; see {@link #visibleConfig()}. */
    private void announce(int queue) {
        announcedQueues = Math.max(announcedQueues, queue + 1);
    }

    /**
     * A driver's configuration space write: always refused, and logged.
     *
     * @throws ConfigAccessException always
     */
    public void writeConfig(int offset, byte[] data) throws ConfigAccessException {
        ConfigAccessException refused = new ConfigAccessException(ConfigAccessException.Kind.WRITE_REFUSED, offset,
                data.length);
        LOG.log(System.Logger.Level.WARNING, refused.getMessage());
        throw refused;
    }

    /** The feature bits offered ({@link VirtioFeature#offered()}). */
    public long deviceFeatures() {
        return VirtioFeature.offered();
    }

    /**
     * The features the driver accepted (vhost-user SET_FEATURES; virtio driver_feature). Any bits may
     * be written; FEATURES_OK sticks, and queues start, only for an acceptable set.
     */
    public synchronized void setDriverFeatures(long features) {
        this.driverFeatures = features;
    }

    public synchronized long driverFeatures() {
        return driverFeatures;
    }

    /** Whether the driver's features are offered ones and include VIRTIO_F_VERSION_1. */
    public synchronized boolean featuresAcceptable() {
        return (driverFeatures & ~deviceFeatures()) == 0 && VirtioFeature.VERSION_1.isSetIn(driverFeatures);
    }

    public DeviceStatus status() {
        return new DeviceStatus(status.get());
    }

    /**
     * The driver writes the status (VIRTIO 1.2 §3.1.1): 0 resets the device; FEATURES_OK is
     * dropped unless {@link #featuresAcceptable()}; DEVICE_NEEDS_RESET stays once the device set it.
     */
    public synchronized void setStatus(int bits) {
        DeviceStatus requested = new DeviceStatus(bits);
        if (requested.bits() == 0) {
            reset();
            return;
        }
        int accepted = requested.bits() & ~DeviceStatus.DEVICE_NEEDS_RESET;
        if ((accepted & DeviceStatus.FEATURES_OK) != 0 && !featuresAcceptable()) {
            LOG.log(System.Logger.Level.WARNING, "refusing FEATURES_OK for driver features {0}",
                    VirtioFeature.describe(driverFeatures));
            accepted &= ~DeviceStatus.FEATURES_OK;
        }
        int keep = accepted;
        status.updateAndGet(old -> keep | (old & DeviceStatus.DEVICE_NEEDS_RESET));
    }

    /** Where configuration change notifications go (DEVICE_NEEDS_RESET was set). */
    public void setConfigCall(CallEvent call) {
        configCall = call;
    }

    // ---- guest memory ----

    /**
     * Replaces the guest memory map (vhost-user SET_MEM_TABLE and friends), taking over the
     * snapshot's creation reference. Running workers switch between chains.
     *
     * @return completes when the previous snapshot is unused and its dropped regions unmapped
     */
    public synchronized CompletableFuture<Void> setMemory(GuestMemory memory) {
        requireOpen();
        CompletableFuture<Void> drained = memoryTable.replace(memory);
        for (QueueSlot slot : queues) {
            QueueWorker worker = slot.worker;
            if (worker != null) {
                worker.wake();
            }
        }
        return drained;
    }

    /** The device's memory table (workers acquire snapshots from it). */
    public MemoryTable memoryTable() {
        return memoryTable;
    }

    // ---- queues ----

    private QueueSlot slot(int queue) {
        if (queue < 0 || queue >= queues.length) {
            throw new IllegalArgumentException("queue " + queue + " is outside 0.." + (queues.length - 1));
        }
        return queues[queue];
    }

    private QueueSlot stoppedSlot(int queue) {
        QueueSlot slot = slot(queue);
        if (slot.worker != null) {
            throw new IllegalStateException("queue " + queue + " is running; stop it first");
        }
        return slot;
    }

    /** Sets a stopped queue's size: a power of two up to {@link #maxQueueSize()}. */
    public synchronized void setQueueSize(int queue, int size) {
        if (size < 1 || size > maxQueueSize || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("queue size " + size + " is not a power of two in 1.." + maxQueueSize);
        }
        stoppedSlot(queue).size = size;
        announce(queue);
    }

    /** Sets a stopped queue's ring addresses (guest-physical; vhost-user translates its user addresses first). */
    public synchronized void setQueueAddresses(int queue, long descriptorTable, long availRing, long usedRing) {
        QueueSlot slot = stoppedSlot(queue);
        new RingLayout(1, descriptorTable, availRing, usedRing); // validates the alignment
        slot.descriptorTable = descriptorTable;
        slot.availRing = availRing;
        slot.usedRing = usedRing;
        announce(queue);
    }

    /**
     * Whether the queue's rings are at these guest-physical addresses (vhost-user sends a running
     * ring's addresses again to switch its used ring logging on or off).
     */
    public synchronized boolean queueAddressesAre(int queue, long descriptorTable, long availRing, long usedRing) {
        QueueSlot slot = slot(queue);
        return slot.descriptorTable == descriptorTable && slot.availRing == availRing && slot.usedRing == usedRing;
    }

    /**
     * Records what every queue writes to guest memory in {@code log} from now on, running queues
     * included ({@code null}: stop): live migration's dirty log.
     */
    public synchronized void logWrites(@Nullable GuestWriteLog log) {
        writeLog = log;
        for (QueueSlot slot : queues) {
            QueueWorker worker = slot.worker;
            if (worker != null) {
                worker.queue().logWrites(log, slot.usedRingLogAddress);
            }
        }
    }

    /**
     * Records the queue's used ring writes at guest address {@code address} (negative: not at
     * all), while a write log is set (vhost-user VHOST_VRING_F_LOG and {@code log_guest_addr}).
     */
    public synchronized void setQueueUsedRingLogAddress(int queue, long address) {
        QueueSlot slot = slot(queue);
        slot.usedRingLogAddress = address;
        QueueWorker worker = slot.worker;
        if (worker != null) {
            worker.queue().logWrites(writeLog, address);
        }
    }

    /** Sets where a stopped queue continues: both ring positions (vhost-user SET_VRING_BASE). */
    public synchronized void setQueueBase(int queue, int nextAvail) {
        setQueuePositions(queue, nextAvail, nextAvail);
    }

    /** Sets a stopped queue's next available and next used positions separately. */
    public synchronized void setQueuePositions(int queue, int nextAvail, int nextUsed) {
        if (nextAvail < 0 || nextAvail > 0xffff || nextUsed < 0 || nextUsed > 0xffff) {
            throw new IllegalArgumentException("ring positions " + nextAvail + "/" + nextUsed + " are not 16-bit");
        }
        QueueSlot slot = stoppedSlot(queue);
        slot.nextAvail = nextAvail;
        slot.nextUsed = nextUsed;
    }

    /** Sets where the queue's worker waits for kicks; a running worker switches at its next wait. */
    public synchronized void setQueueKick(int queue, KickEvent kick) {
        QueueSlot slot = slot(queue);
        KickEvent previous = slot.kick;
        slot.kick = kick;
        announce(queue);
        if (previous != null) {
            previous.wake();
        }
    }

    /** Sets how the queue's used buffer notifications reach the driver; takes effect at once. */
    public synchronized void setQueueCall(int queue, CallEvent call) {
        slot(queue).call = call;
        announce(queue);
    }

    /**
     * Sets what the device signals when the queue breaks (vhost-user SET_VRING_ERR), besides
     * DEVICE_NEEDS_RESET and the configuration change notification.
     */
    public synchronized void setQueueErrorCall(int queue, CallEvent call) {
        slot(queue).errorCall = call;
    }

    /** Enables or disables a queue (vhost-user SET_VRING_ENABLE): a disabled queue takes no chains. */
    public synchronized void setQueueEnabled(int queue, boolean enabled) {
        QueueSlot slot = slot(queue);
        slot.enabled = enabled;
        QueueWorker worker = slot.worker;
        if (worker != null) {
            worker.wake();
        }
    }

    /**
     * Starts serving a queue: needs acceptable features, the ring addresses and a kick.
     *
     * @throws IllegalStateException if something is missing or the queue runs already
     */
    public synchronized void startQueue(int queue) {
        requireOpen();
        QueueSlot slot = stoppedSlot(queue);
        if (!featuresAcceptable()) {
            throw new IllegalStateException("queue " + queue + " cannot start: driver features "
                    + VirtioFeature.describe(driverFeatures) + " are not acceptable");
        }
        if (!slot.addressesSet() || slot.kick == null) {
            throw new IllegalStateException("queue " + queue + " cannot start: "
                    + (slot.addressesSet() ? "no kick event" : "ring addresses not set"));
        }
        SplitQueue splitQueue = new SplitQueue(queue, slot.layout(), RingFeatures.of(driverFeatures & deviceFeatures()),
                slot.nextAvail, slot.nextUsed);
        slot.fault = null;
        splitQueue.logWrites(writeLog, slot.usedRingLogAddress);
        QueueWorker worker = new QueueWorker(slot, splitQueue, workerContext);
        slot.worker = worker;
        worker.start();
    }

    /**
     * Stops a queue (vhost-user GET_VRING_BASE): no more chains are taken; requests in flight get
     * up to the stop timeout to complete (then they are abandoned and logged).
     *
     * @return the next available index, where the queue would continue
     */
    public synchronized int stopQueue(int queue) {
        QueueSlot slot = slot(queue);
        QueueWorker worker = slot.worker;
        if (worker == null) {
            return slot.nextAvail;
        }
        long deadline = System.nanoTime() + stopTimeoutNanos;
        worker.beginStop(deadline);
        return finishStop(slot, worker, deadline);
    }

    private int finishStop(QueueSlot slot, QueueWorker worker, long deadline) {
        slot.worker = null;
        int nextAvail = worker.finishStop(deadline);
        slot.nextAvail = nextAvail;
        slot.nextUsed = nextAvail;
        return nextAvail;
    }

    public synchronized boolean isQueueRunning(int queue) {
        return slot(queue).worker != null;
    }

    /** Why the queue broke, if it did (cleared when it starts again or the device resets). */
    public Optional<QueueFaultException> queueFault(int queue) {
        return Optional.ofNullable(slot(queue).fault);
    }

    private void queueFailed(QueueSlot slot, Throwable failure) {
        if (failure instanceof QueueFaultException fault) {
            slot.fault = fault;
            LOG.log(System.Logger.Level.WARNING, fault.getMessage() + "; device needs reset");
        } else {
            LOG.log(System.Logger.Level.ERROR, "virtqueue " + slot.index + " worker failed; device needs reset", failure);
        }
        status.updateAndGet(old -> old | DeviceStatus.DEVICE_NEEDS_RESET);
        slot.errorCall.call();
        configCall.call();
    }

    // ---- reset and close ----

    /**
     * Device reset (VIRTIO 1.2 §2.4; vhost-user RESET_DEVICE): stops every queue, tells the handler
     * the session ended, and forgets queue state, features and status. The memory table stays.
     */
    public synchronized void reset() {
        long deadline = System.nanoTime() + stopTimeoutNanos;
        for (QueueSlot slot : queues) {
            QueueWorker worker = slot.worker;
            if (worker != null) {
                worker.beginStop(deadline);
            }
        }
        if (handler.mayCompleteLater()) {
            // Requests an asynchronous file system has not completed yet are not wanted any more:
            // cancelled, they complete before the queues' deadline instead of holding it up.
            try {
                handler.cancelRunning();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "the request handler failed to cancel its requests", e);
            }
        }
        for (QueueSlot slot : queues) {
            QueueWorker worker = slot.worker;
            if (worker != null) {
                finishStop(slot, worker, deadline);
            }
            slot.forget(maxQueueSize);
        }
        handler.sessionEnded();
        driverFeatures = 0;
        status.set(0);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("device is closed");
        }
    }

    /** Resets the device, stops the request pool and retires the memory table. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        reset();
        closed = true;
        blockingPool.shutdownNow();
        if (requestPool != null) {
            requestPool.shutdownNow();
        }
        memoryTable.close();
    }

    @Override
    public String toString() {
        return "VirtioFsDevice[" + config + ", " + status() + ", running " + Arrays.stream(queues)
                .filter(q -> q.worker != null).map(q -> q.index).toList() + "]";
    }

    /** Builds a {@link VirtioFsDevice}. */
    public static final class Builder {
        private final String tag;
        private int requestQueues = 1;
        private int maxQueueSize = 1024;
        private int requestThreads;
        private int requestBacklog = 1024;
        private int spinIterations;
        private Duration stopTimeout = Duration.ofSeconds(5);
        private Optional<DaxWindow> daxWindow = Optional.empty();

        private Builder(String tag) {
            this.tag = tag;
        }

        /** Request queues (num_queues), default 1. */
        public Builder requestQueues(int count) {
            requestQueues = count;
            return this;
        }

        /** The largest queue size offered, a power of two up to 32768; default 1024. */
        public Builder maxQueueSize(int size) {
            if (size < 1 || size > RingLayout.MAX_SIZE || Integer.bitCount(size) != 1) {
                throw new IllegalArgumentException("max queue size " + size + " is not a power of two in 1.."
                        + RingLayout.MAX_SIZE);
            }
            maxQueueSize = size;
            return this;
        }

        /**
         * Runs request-queue requests on a pool of {@code threads} with room for {@code backlog}
         * waiting requests (when full, the queue's worker runs the request itself); 0 threads, the
         * default, runs every request on its queue's worker.
         */
        public Builder requestThreads(int threads, int backlog) {
            if (threads < 0 || backlog < 1) {
                throw new IllegalArgumentException("request pool of " + threads + " threads and backlog " + backlog);
            }
            requestThreads = threads;
            requestBacklog = backlog;
            return this;
        }

        /** How many times an idle worker polls its ring before it waits for a kick; default 0. */
        public Builder spinIterations(int iterations) {
            if (iterations < 0) {
                throw new IllegalArgumentException("spin iterations " + iterations + " is negative");
            }
            spinIterations = iterations;
            return this;
        }

        /** How long {@link #stopQueue} waits for requests in flight; default 5 seconds. */
        public Builder stopTimeout(Duration timeout) {
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("stop timeout " + timeout + " is negative");
            }
            stopTimeout = timeout;
            return this;
        }

        /** Gives the device a DAX window (shared memory region 0), such as a {@link DaxWindowTable}. */
        public Builder daxWindow(DaxWindow window) {
            daxWindow = Optional.of(window);
            return this;
        }

        /**
         * The device serving requests through {@code handler}.
         *
         * @throws IllegalArgumentException if the tag is empty, longer than 36 bytes of UTF-8, or
         *     the queue count is out of range
         */
        public VirtioFsDevice build(FuseRequestHandler handler) {
            return new VirtioFsDevice(this, java.util.Objects.requireNonNull(handler, "handler"));
        }
    }
}
