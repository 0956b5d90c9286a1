package io.virtiofs.transport.vhostuser;

import io.virtiofs.transport.device.CallEvent;
import io.virtiofs.transport.device.VirtioFsDevice;
import io.virtiofs.transport.vhostuser.BackEndReply.VringBaseReply;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * The session's side of each vring (vhost-user.rst, "Ring states"): the eventfds the front-end
 * sent (kick, call, err), whether the ring's address is set and whether it is enabled, and when
 * to start and stop the device's queue.
 *
 * <p>A ring starts when it has a kick eventfd, its addresses and acceptable features (in practice
 * at SET_VRING_KICK, as QEMU sends it last), and stops at GET_VRING_BASE, which also retires its
 * kick and call eventfds as libvhost-user does (the front-end sends new ones before restarting).
 * With VHOST_USER_F_PROTOCOL_FEATURES a ring starts disabled until SET_VRING_ENABLE; without, it
 * starts enabled.
 *
 * <p>Used by the session's thread; the err eventfds are also read by queue workers (through the
 * device's configuration change notification), hence the atomic array.
 */
final class Vrings implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Vrings.class.getName());

    /** No SET_VRING_ENABLE yet: the default applies. */
    private static final byte ENABLE_DEFAULT = 0;
    private static final byte ENABLED = 1;
    private static final byte DISABLED = 2;

    private final VirtioFsDevice device;
    private final MemoryMap memory;
    private final MigrationSupport migration;
    private final @Nullable EventFdKick[] kicks;
    private final @Nullable EventFdCall[] calls;
    private final AtomicReferenceArray<@Nullable EventFdCall> errors;
    private final byte[] enable;
    private final boolean[] addressed;
    private boolean startDisabled;

    Vrings(VirtioFsDevice device, MemoryMap memory, MigrationSupport migration) {
        this.device = device;
        this.memory = memory;
        this.migration = migration;
        int count = device.queueCount();
        this.kicks = new EventFdKick[count];
        this.calls = new EventFdCall[count];
        this.errors = new AtomicReferenceArray<>(count);
        this.enable = new byte[count];
        this.addressed = new boolean[count];
    }

    /** Whether rings start disabled: VHOST_USER_F_PROTOCOL_FEATURES was negotiated. */
    void startDisabled(boolean disabled) {
        startDisabled = disabled;
    }

    private int checked(int index) throws VhostUserProtocolException {
        if (index < 0 || index >= device.queueCount()) {
            throw new VhostUserProtocolException(ProtocolFault.QUEUE_INDEX, "vring " + Integer.toUnsignedString(index)
                    + " is outside 0.." + (device.queueCount() - 1) + " (hiprio and "
                    + (device.queueCount() - 1) + " request queue(s): the front-end wants more request queues"
                    + " than this back-end serves)");
        }
        return index;
    }

    /** SET_VRING_NUM. */
    void setNum(int index, int num) throws VhostUserProtocolException {
        int queue = checked(index);
        try {
            device.setQueueSize(queue, num);
        } catch (IllegalArgumentException e) {
            throw new VhostUserProtocolException(ProtocolFault.INVALID_FIELD, e.getMessage());
        } catch (IllegalStateException e) {
            throw new VhostUserProtocolException(ProtocolFault.OUT_OF_ORDER, e.getMessage());
        }
    }

    /** SET_VRING_BASE: where the ring continues (a split ring's base is 16-bit). */
    void setBase(int index, int num) throws VhostUserProtocolException {
        int queue = checked(index);
        if (num < 0 || num > 0xffff) {
            throw new VhostUserProtocolException(ProtocolFault.INVALID_FIELD, "vring " + queue + " base "
                    + Integer.toUnsignedString(num) + " is not 16-bit");
        }
        try {
            device.setQueueBase(queue, num);
        } catch (IllegalStateException e) {
            throw new VhostUserProtocolException(ProtocolFault.OUT_OF_ORDER, e.getMessage());
        }
    }

    /** SET_VRING_ADDR: translates the front-end's addresses to guest-physical ones. */
    void setAddress(VringAddress address) throws VhostUserProtocolException {
        int queue = checked(address.index());
        long usedRingLog = migration.usedRingLogAddress(address);
        long descriptors = memory.guestAddressOfUser("vring " + queue + " descriptor table", address.descriptorTable());
        long avail = memory.guestAddressOfUser("vring " + queue + " available ring", address.availRing());
        long used = memory.guestAddressOfUser("vring " + queue + " used ring", address.usedRing());
        if (device.isQueueRunning(queue) && device.queueAddressesAre(queue, descriptors, avail, used)) {
            // The same addresses again for a running ring: the front-end switches used ring logging.
            device.setQueueUsedRingLogAddress(queue, usedRingLog);
            return;
        }
        try {
            device.setQueueAddresses(queue, descriptors, avail, used);
            device.setQueueUsedRingLogAddress(queue, usedRingLog);
        } catch (IllegalArgumentException e) {
            throw new VhostUserProtocolException(ProtocolFault.INVALID_FIELD, e.getMessage());
        } catch (IllegalStateException e) {
            throw new VhostUserProtocolException(ProtocolFault.OUT_OF_ORDER, e.getMessage());
        }
        addressed[queue] = true;
        startIfReady(queue);
    }

    /** SET_VRING_KICK: the ring starts when everything else is set too. */
    void setKick(int index, boolean noFd, ReceivedFds fds) throws VhostUserProtocolException {
        int queue = checked(index);
        if (noFd) {
            throw new VhostUserProtocolException(ProtocolFault.UNSUPPORTED, "vring " + queue
                    + " without a kick eventfd (polling) is not supported");
        }
        FrontEndDescriptors.requireEventFd(fds.peek(0), "vring " + queue + "'s kick");
        EventFdKick kick;
        try {
            kick = new EventFdKick(fds.take(0));
        } catch (IOException e) {
            throw new VhostUserProtocolException(ProtocolFault.UNSUPPORTED, "vring " + queue + ": " + e.getMessage());
        }
        EventFdKick previous = kicks[queue];
        kicks[queue] = kick;
        device.setQueueKick(queue, kick);
        if (previous != null) {
            previous.close();
        }
        startIfReady(queue);
    }

    /** SET_VRING_CALL: where used buffer notifications go (none: the front-end polls). */
    void setCall(int index, boolean noFd, ReceivedFds fds) throws VhostUserProtocolException {
        int queue = checked(index);
        if (!noFd) {
            FrontEndDescriptors.requireEventFd(fds.peek(0), "vring " + queue + "'s call");
        }
        EventFdCall call = noFd ? null : new EventFdCall(fds.take(0));
        EventFdCall previous = calls[queue];
        calls[queue] = call;
        device.setQueueCall(queue, call == null ? CallEvent.none() : call);
        if (previous != null) {
            previous.close();
        }
    }

    /** SET_VRING_ERR: where this ring's faults are signalled. */
    void setError(int index, boolean noFd, ReceivedFds fds) throws VhostUserProtocolException {
        int queue = checked(index);
        if (!noFd) {
            FrontEndDescriptors.requireEventFd(fds.peek(0), "vring " + queue + "'s err");
        }
        EventFdCall previous = errors.getAndSet(queue, noFd ? null : new EventFdCall(fds.take(0)));
        if (previous != null) {
            previous.close();
        }
    }

    /** SET_VRING_ENABLE. */
    void setEnabled(int index, boolean enabled) throws VhostUserProtocolException {
        int queue = checked(index);
        enable[queue] = enabled ? ENABLED : DISABLED;
        device.setQueueEnabled(queue, enabled);
    }

    /** RESET_OWNER (deprecated): disables every ring, as the protocol recommends. */
    void disableAll() {
        for (int queue = 0; queue < enable.length; queue++) {
            enable[queue] = DISABLED;
            device.setQueueEnabled(queue, false);
        }
    }

    /** GET_VRING_BASE: stops the ring, retires its kick and call, and answers its next available index. */
    VringBaseReply stop(int index) throws VhostUserProtocolException {
        int queue = checked(index);
        int base = device.stopQueue(queue);
        device.setQueueCall(queue, CallEvent.none());
        retireKickAndCall(queue);
        return new VringBaseReply(queue, base);
    }

    private void startIfReady(int queue) throws VhostUserProtocolException {
        if (device.isQueueRunning(queue) || kicks[queue] == null || !addressed[queue]) {
            return;
        }
        if (!device.featuresAcceptable()) {
            LOG.log(System.Logger.Level.WARNING, "vring {0} not started: the front-end set no acceptable features",
                    queue);
            return;
        }
        device.setQueueEnabled(queue, enable[queue] == ENABLED || enable[queue] == ENABLE_DEFAULT && !startDisabled);
        try {
            device.startQueue(queue);
        } catch (IllegalStateException e) {
            throw new VhostUserProtocolException(ProtocolFault.OUT_OF_ORDER, e.getMessage());
        }
    }

    /**
     * Signals the err eventfd of every faulted ring: the device's configuration change
     * notification (DEVICE_NEEDS_RESET), called from a queue worker.
     */
    void signalFaults() {
        for (int queue = 0; queue < errors.length(); queue++) {
            if (device.queueFault(queue).isPresent()) {
                EventFdCall error = errors.get(queue);
                if (error != null) {
                    error.call();
                }
            }
        }
    }

    /** After a device reset: forgets every ring's setup and retires every eventfd. */
    void reset() {
        for (int queue = 0; queue < enable.length; queue++) {
            retireKickAndCall(queue);
            EventFdCall error = errors.getAndSet(queue, null);
            if (error != null) {
                error.close();
            }
            enable[queue] = ENABLE_DEFAULT;
            addressed[queue] = false;
        }
    }

    private void retireKickAndCall(int queue) {
        EventFdKick kick = kicks[queue];
        kicks[queue] = null;
        if (kick != null) {
            kick.close();
        }
        EventFdCall call = calls[queue];
        calls[queue] = null;
        if (call != null) {
            call.close();
        }
    }

    /** Retires every eventfd; call after the device's queues stopped. */
    @Override
    public void close() {
        reset();
    }
}
