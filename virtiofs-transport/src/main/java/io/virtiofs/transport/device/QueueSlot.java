package io.virtiofs.transport.device;

import io.virtiofs.transport.virtqueue.QueueFaultException;
import io.virtiofs.transport.virtqueue.RingLayout;
import org.jspecify.annotations.Nullable;

/**
 * What the driver (or vhost-user front-end) configured for one queue, and its running worker.
 * Written under the device's lock; the volatile fields are read by the worker.
 */
final class QueueSlot {

    final int index;
    int size;
    long descriptorTable = -1;
    long availRing = -1;
    long usedRing = -1;
    int nextAvail;
    int nextUsed;
    /** Where the used ring's writes are recorded during live migration (negative: not recorded). */
    long usedRingLogAddress = -1;
    volatile @Nullable KickEvent kick;
    volatile CallEvent call = CallEvent.none();
    volatile CallEvent errorCall = CallEvent.none();
    volatile boolean enabled = true;
    volatile @Nullable QueueFaultException fault;
    @Nullable QueueWorker worker;

    QueueSlot(int index, int size) {
        this.index = index;
        this.size = size;
    }

    boolean addressesSet() {
        return descriptorTable >= 0 && availRing >= 0 && usedRing >= 0;
    }

    RingLayout layout() {
        return new RingLayout(size, descriptorTable, availRing, usedRing);
    }

    /** Forgets everything the driver set (device reset). */
    void forget(int defaultSize) {
        size = defaultSize;
        descriptorTable = -1;
        availRing = -1;
        usedRing = -1;
        nextAvail = 0;
        nextUsed = 0;
        usedRingLogAddress = -1;
        kick = null;
        call = CallEvent.none();
        errorCall = CallEvent.none();
        enabled = true;
        fault = null;
        worker = null;
    }
}
