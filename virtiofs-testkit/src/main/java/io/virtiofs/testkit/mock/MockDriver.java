package io.virtiofs.testkit.mock;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.protocol.InHeader;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.transport.device.DeviceStatus;
import io.virtiofs.transport.device.InProcessKick;
import io.virtiofs.transport.device.VirtioFeature;
import io.virtiofs.transport.device.VirtioFsDevice;
import io.virtiofs.transport.memory.GuestMemory;
import io.virtiofs.transport.vhostuser.EventFdCall;
import io.virtiofs.transport.vhostuser.EventFdKick;
import io.virtiofs.transport.virtqueue.RingFeatures;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * An in-process virtio-fs driver: initialises a {@link VirtioFsDevice} as a guest driver would
 * (status, features, memory, queues), then exchanges FUSE messages with it through the rings.
 *
 * <p>Messages are bytes in either byte order: the driver copies the request into guest memory,
 * posts it with room for the reply, and hands back the reply's bytes. Each queue has a fixed set
 * of request slots; {@link #exchange} is synchronous and allocates nothing, {@link #submit} and
 * {@link #awaitCompletion} keep several requests in flight (completions come in used-ring order).
 * A driver that batches {@link #post}s requests, {@link #publish}es them with one index store and
 * at most one kick, and reaps with {@link #poll} or {@link #await}, which allocate nothing either.
 * One thread drives each queue.
 */
public final class MockDriver implements AutoCloseable {

    /** Where guest RAM starts: above 4 GiB, so an address mistaken for an offset fails. */
    public static final long GUEST_BASE = 0x1_0000_0000L;
    /** Entries of each indirect table, unless segments need more ({@link Options#indirectEntries}). */
    public static final int INDIRECT_ENTRIES = 16;
    /** Guest RAM left for a test's own buffers ({@link DriverMemory#allocate}). */
    public static final long SCRATCH_BYTES = 1 << 20;

    /**
     * How the driver sets the device up.
     *
     * @param features features the driver accepts (intersected with the device's offer)
     * @param queueSize the size of every queue
     * @param slots requests in flight per queue
     * @param requestBytes the largest request
     * @param replyBytes the largest reply
     * @param indirect whether exchanges go through indirect tables
     * @param scatter whether exchanges split header and body into separate descriptors
     * @param segmentBytes with {@code scatter}, the most bytes of a body per descriptor, as a guest
     *     driver hands a large request over in page-sized pieces (0: the whole body in one)
     * @param startIndex where both ring indexes start (near 65535 to test wrap-around)
     * @param spinIterations how long a waiting driver polls before it waits for an interrupt
     * @param timeout how long a waiting driver waits
     */
    public record Options(long features, int queueSize, int slots, int requestBytes, int replyBytes, boolean indirect,
                          boolean scatter, int segmentBytes, int startIndex, int spinIterations, Duration timeout) {

        public Options {
            if (slots < 1 || slots > queueSize) {
                throw new IllegalArgumentException("slots " + slots + " is outside 1..queue size " + queueSize);
            }
            if (requestBytes < InHeader.SIZE || replyBytes < OutHeader.SIZE) {
                throw new IllegalArgumentException("buffers of " + requestBytes + "/" + replyBytes + " bytes");
            }
            if (segmentBytes < 0) {
                throw new IllegalArgumentException("segments of " + segmentBytes + " bytes");
            }
        }

        /**
         * Every feature the device offers, queues of 64, 8 slots per queue holding 64 KiB requests
         * and 64 KiB replies, one descriptor per direction, indexes from 0, no polling, 10 s timeout.
         */
        public static Options defaults() {
            return new Options(-1L, 64, 8, 64 * 1024, 64 * 1024, false, false, 0, 0, 0, Duration.ofSeconds(10));
        }

        /** The entries of each indirect table: {@value #INDIRECT_ENTRIES}, or what the largest chain needs. */
        public int indirectEntries() {
            return Math.max(INDIRECT_ENTRIES,
                    descriptors(requestBytes - InHeader.SIZE) + descriptors(replyBytes - OutHeader.SIZE));
        }

        /** The descriptors of one direction: a header and a body of {@code bodyBytes}. */
        private int descriptors(int bodyBytes) {
            if (!scatter || bodyBytes == 0) {
                return 1;
            }
            return 1 + (segmentBytes == 0 ? 1 : (bodyBytes + segmentBytes - 1) / segmentBytes);
        }

        public Options withFeatures(long accepted) {
            return new Options(accepted, queueSize, slots, requestBytes, replyBytes, indirect, scatter, segmentBytes,
                    startIndex, spinIterations, timeout);
        }

        public Options withQueueSize(int size) {
            return new Options(features, size, Math.min(slots, size), requestBytes, replyBytes, indirect, scatter,
                    segmentBytes, startIndex, spinIterations, timeout);
        }

        public Options withSlots(int count) {
            return new Options(features, queueSize, count, requestBytes, replyBytes, indirect, scatter, segmentBytes,
                    startIndex, spinIterations, timeout);
        }

        public Options withBuffers(int largestRequest, int largestReply) {
            return new Options(features, queueSize, slots, largestRequest, largestReply, indirect, scatter,
                    segmentBytes, startIndex, spinIterations, timeout);
        }

        public Options withIndirect(boolean viaIndirectTables) {
            return new Options(features, queueSize, slots, requestBytes, replyBytes, viaIndirectTables, scatter,
                    segmentBytes, startIndex, spinIterations, timeout);
        }

        public Options withScatter(boolean split) {
            return new Options(features, queueSize, slots, requestBytes, replyBytes, indirect, split, segmentBytes,
                    startIndex, spinIterations, timeout);
        }

        /** Scattered bodies in descriptors of at most {@code bytes} (0: one descriptor per body). */
        public Options withSegments(int bytes) {
            return new Options(features, queueSize, slots, requestBytes, replyBytes, indirect, scatter, bytes,
                    startIndex, spinIterations, timeout);
        }

        public Options withStartIndex(int index) {
            return new Options(features, queueSize, slots, requestBytes, replyBytes, indirect, scatter, segmentBytes,
                    index, spinIterations, timeout);
        }

        public Options withSpinIterations(int iterations) {
            return new Options(features, queueSize, slots, requestBytes, replyBytes, indirect, scatter, segmentBytes,
                    startIndex, iterations, timeout);
        }

        public Options withTimeout(Duration wait) {
            return new Options(features, queueSize, slots, requestBytes, replyBytes, indirect, scatter, segmentBytes,
                    startIndex, spinIterations, wait);
        }
    }

    /**
     * One completed request.
     *
     * @param token what {@link #submit} returned
     * @param usedLength the used length the device reported
     * @param reply a copy of the reply's bytes ({@code usedLength} of them)
     */
    public record Completion(int token, int usedLength, ByteBuf reply) {
    }

    /** How the driver and the device notify each other. */
    public enum Signals {
        /** Objects in this process: an {@link InProcessKick} and a callback into the driver's queue. */
        IN_PROCESS,
        /**
         * A kick eventfd and a call eventfd per queue, served by vhost-user's {@link EventFdKick}
         * and {@link EventFdCall}, as between a VMM and a vhost-user back-end; the driver writes
         * the kick eventfd, and a thread per queue turns calls into interrupts. The device then
         * runs the code it runs for a real guest (a JIT warm-up that trains on it keeps its
         * compiled code when the guest comes).
         */
        EVENTFDS
    }

    private final VirtioFsDevice device;
    private final Options options;
    private final DriverMemory memory;
    private final long features;
    private final DriverQueue[] queues;
    private final InProcessKick[] kicks;
    private final FuseSlots[] slots;
    private final @Nullable EventFdSignals eventFds;
    private boolean closed;

    private MockDriver(VirtioFsDevice device, Options options, Signals signals) {
        this.device = device;
        this.options = options;
        this.features = device.deviceFeatures() & options.features();
        int queueCount = device.queueCount();
        boolean indirect = RingFeatures.of(features).indirectDescriptors();
        long perQueue = 8192 + 16L * options.queueSize() * 3 + (indirect ? (long) options.indirectEntries() * 16 * options.queueSize() : 0)
                + (long) options.slots() * (options.requestBytes() + options.replyBytes() + 64);
        this.memory = DriverMemory.create(GUEST_BASE, perQueue * queueCount + SCRATCH_BYTES);
        this.queues = new DriverQueue[queueCount];
        this.kicks = new InProcessKick[queueCount];
        this.slots = new FuseSlots[queueCount];
        for (int i = 0; i < queueCount; i++) {
            queues[i] = new DriverQueue(memory, options.queueSize(), RingFeatures.of(features),
                    indirect ? options.indirectEntries() : 0, options.startIndex());
            kicks[i] = new InProcessKick();
            queues[i].setKicker(kicks[i]::kick);
            slots[i] = new FuseSlots(memory, options, options.queueSize());
        }
        try {
            this.eventFds = signals == Signals.EVENTFDS ? EventFdSignals.open(queues) : null;
        } catch (RuntimeException e) {
            memory.close();
            throw e;
        }
    }

    /**
     * Initialises {@code device} as a driver (VIRTIO 1.2 §3.1.1): ACKNOWLEDGE, DRIVER, features,
     * FEATURES_OK, memory, every queue, DRIVER_OK.
     *
     * @throws IllegalStateException if the device refuses the features
     */
    public static MockDriver connect(VirtioFsDevice device, Options options) {
        return connect(device, options, Signals.IN_PROCESS);
    }

    /**
     * {@link #connect(VirtioFsDevice, Options)} with the notifications {@code signals} says.
     *
     * @throws java.io.UncheckedIOException if eventfds cannot be made
     */
    public static MockDriver connect(VirtioFsDevice device, Options options, Signals signals) {
        MockDriver driver = new MockDriver(device, options, signals);
        try {
            driver.initialise();
        } catch (RuntimeException e) {
            driver.close();
            throw e;
        }
        return driver;
    }

    private void initialise() {
        device.setStatus(0);
        int status = DeviceStatus.ACKNOWLEDGE;
        device.setStatus(status);
        status |= DeviceStatus.DRIVER;
        device.setStatus(status);
        device.setDriverFeatures(features);
        status |= DeviceStatus.FEATURES_OK;
        device.setStatus(status);
        if (!device.status().has(DeviceStatus.FEATURES_OK)) {
            throw new IllegalStateException("the device refused features " + VirtioFeature.describe(features));
        }
        device.setMemory(memory.snapshot());
        for (int i = 0; i < queues.length; i++) {
            DriverQueue queue = queues[i];
            device.setQueueSize(i, options.queueSize());
            device.setQueueAddresses(i, queue.layout().descriptorTable(), queue.layout().availRing(),
                    queue.layout().usedRing());
            device.setQueueBase(i, options.startIndex());
            if (eventFds != null) {
                device.setQueueKick(i, eventFds.kick(i));
                device.setQueueCall(i, eventFds.call(i));
            } else {
                device.setQueueKick(i, kicks[i]);
                device.setQueueCall(i, queue::interrupt);
            }
            device.startQueue(i);
        }
        device.setStatus(status | DeviceStatus.DRIVER_OK);
    }

    public VirtioFsDevice device() {
        return device;
    }

    public Options options() {
        return options;
    }

    /** The features both sides accepted. */
    public long features() {
        return features;
    }

    /** The driver's guest RAM; tests allocate their own buffers from it. */
    public DriverMemory memory() {
        return memory;
    }

    /** The driver side of queue {@code index} (0 is hiprio). */
    public DriverQueue queue(int index) {
        return queues[index];
    }

    /**
     * The kick event of queue {@code index}, as the device sees it with {@link Signals#IN_PROCESS}
     * (with {@link Signals#EVENTFDS} the device waits on an eventfd and this one stays idle).
     */
    public InProcessKick kick(int index) {
        return kicks[index];
    }

    /**
     * Sends one request and waits for its reply. The queue must have nothing else in flight.
     *
     * @param request the whole request, fuse_in_header first, in its readable bytes
     * @param replyCapacity the room offered for the reply
     * @return the reply's bytes (reader index 0, writer index the used length); valid until the
     *     next call on this queue
     * @throws TimeoutException if no reply comes within the options' timeout
     */
    public ByteBuf exchange(int queue, ByteBuf request, int replyCapacity) throws TimeoutException {
        FuseSlots fuse = slots[queue];
        if (fuse.inFlight() != 0) {
            throw new IllegalStateException("queue " + queue + " has " + fuse.inFlight() + " submissions in flight");
        }
        int token = submit(queue, request, replyCapacity);
        long element = awaitElement(queue);
        int head = DriverQueue.usedId(element);
        int slot = fuse.release(head);
        if (slot != token) {
            throw new IllegalStateException("reply for slot " + slot + " while waiting for " + token);
        }
        return fuse.reply(slot, DriverQueue.usedLength(element));
    }

    /**
     * Posts one request and kicks if the device wants it.
     *
     * @return a token naming the request in its {@link Completion}
     * @throws IllegalStateException if every slot is in flight
     */
    public int submit(int queue, ByteBuf request, int replyCapacity) {
        int slot = post(queue, request, replyCapacity);
        publish(queue);
        return slot;
    }

    /**
     * Adds one request to the available ring without publishing it: one request of a batch that
     * {@link #publish} makes visible with one index store and at most one kick.
     *
     * @return a token naming the request in its completion
     * @throws IllegalStateException if every slot is in flight
     */
    public int post(int queue, ByteBuf request, int replyCapacity) {
        requireOpen();
        FuseSlots fuse = slots[queue];
        int length = request.readableBytes();
        if (length > options.requestBytes() || replyCapacity < 0 || replyCapacity > options.replyBytes()) {
            throw new IllegalArgumentException("request of " + length + " bytes, reply of " + replyCapacity
                    + "; the slots hold " + options.requestBytes() + "/" + options.replyBytes());
        }
        int slot = fuse.acquire();
        fuse.copyRequest(slot, request);
        DriverQueue ring = queues[queue];
        DriverQueue.ChainBuilder chain = ring.chain().indirect(options.indirect());
        long requestAddress = fuse.requestAddress(slot);
        long replyAddress = fuse.replyAddress(slot);
        if (options.scatter() && length > InHeader.SIZE) {
            chain.readable(requestAddress, InHeader.SIZE);
            segments(chain, requestAddress + InHeader.SIZE, length - InHeader.SIZE, false);
        } else {
            chain.readable(requestAddress, length);
        }
        if (options.scatter() && replyCapacity > OutHeader.SIZE) {
            chain.writable(replyAddress, OutHeader.SIZE);
            segments(chain, replyAddress + OutHeader.SIZE, replyCapacity - OutHeader.SIZE, true);
        } else {
            chain.writable(replyAddress, replyCapacity);
        }
        int head = chain.add();
        fuse.bind(head, slot);
        return slot;
    }

    /** Adds {@code length} bytes at {@code address} as one buffer, or as segments of the options' size. */
    private void segments(DriverQueue.ChainBuilder chain, long address, int length, boolean writable) {
        int piece = options.segmentBytes() == 0 ? length : options.segmentBytes();
        for (int done = 0; done < length; done += piece) {
            chain.buffer(address + done, Math.min(piece, length - done), writable);
        }
    }

    /**
     * Publishes the requests posted on {@code queue} (the available index, with release
     * semantics) and kicks if the device wants it (VIRTIO 1.2 §2.7.13.3, §2.7.13.4).
     *
     * @return whether it kicked
     */
    public boolean publish(int queue) {
        requireOpen();
        DriverQueue ring = queues[queue];
        ring.publish();
        return ring.kickIfNeededAfterFence();
    }

    /**
     * Reaps the next completed request on {@code queue} if there is one, allocating nothing; its
     * reply is {@link #reply}{@code (queue, token, usedLength)} until the slot is posted again.
     *
     * @return {@code (token << 32) | usedLength} ({@link #completionToken}, {@link #completionLength}),
     *     or -1 if nothing completed
     */
    public long poll(int queue) {
        long element = queues[queue].reapUsed();
        if (element < 0) {
            return -1;
        }
        int slot = slots[queue].release(DriverQueue.usedId(element));
        return ((long) slot << 32) | (DriverQueue.usedLength(element) & 0xffff_ffffL);
    }

    /**
     * Like {@link #poll}, but waits for a completion: polls the ring for the options'
     * {@code spinIterations}, then enables interrupts and parks until one comes.
     *
     * @throws TimeoutException if none comes within the options' timeout
     */
    public long await(int queue) throws TimeoutException {
        long element = awaitElement(queue);
        int slot = slots[queue].release(DriverQueue.usedId(element));
        return ((long) slot << 32) | (DriverQueue.usedLength(element) & 0xffff_ffffL);
    }

    /** The token part of {@link #poll}'s or {@link #await}'s result. */
    public static int completionToken(long completion) {
        return (int) (completion >>> 32);
    }

    /** The used length part of {@link #poll}'s or {@link #await}'s result. */
    public static int completionLength(long completion) {
        return (int) completion;
    }

    /**
     * The reply of a reaped request, a view of {@code usedLength} bytes over its slot's guest
     * memory (reader index 0); valid until the slot is posted again.
     */
    public ByteBuf reply(int queue, int token, int usedLength) {
        if (usedLength < 0 || usedLength > options.replyBytes()) {
            throw new IllegalArgumentException("used length " + usedLength + " is outside 0.." + options.replyBytes());
        }
        return slots[queue].reply(token, usedLength);
    }

    /**
     * The next completed request on {@code queue}, in used-ring order.
     *
     * @throws TimeoutException if none comes within the options' timeout
     */
    public Completion awaitCompletion(int queue) throws TimeoutException {
        long element = awaitElement(queue);
        FuseSlots fuse = slots[queue];
        int slot = fuse.release(DriverQueue.usedId(element));
        int length = DriverQueue.usedLength(element);
        return new Completion(slot, length, Unpooled.copiedBuffer(fuse.reply(slot, length)));
    }

    private long awaitElement(int queue) throws TimeoutException {
        DriverQueue ring = queues[queue];
        Duration timeout = options.timeout();
        long element = ring.reapUsed();
        while (element < 0) {
            if (!ring.awaitUsed(timeout.toNanos(), TimeUnit.NANOSECONDS, options.spinIterations())) {
                throw new TimeoutException("no used element on queue " + queue + " within " + timeout + " ("
                        + device.status() + device.queueFault(queue).map(f -> ", " + f.getMessage()).orElse("") + ")");
            }
            element = ring.reapUsed();
        }
        return element;
    }

    /** The guest memory of a reply slot, for byte-level checks. */
    public MemorySegment replyMemory(int queue, int token) {
        return memory.segment(slots[queue].replyAddress(token), options.replyBytes());
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("driver is closed");
        }
    }

    /** Resets the device (status 0), takes its memory away and frees the guest RAM. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        device.setStatus(0);
        device.setMemory(GuestMemory.empty());
        if (eventFds != null) {
            eventFds.close(); // the device's queues have stopped: nothing waits on or signals them
        }
        memory.close();
    }
}
