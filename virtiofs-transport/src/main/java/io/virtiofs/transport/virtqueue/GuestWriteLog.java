package io.virtiofs.transport.virtqueue;

/**
 * Where a queue records the guest memory it writes while the VMM copies the guest's memory for
 * live migration (vhost-user's dirty log): the reply bytes in a chain's writable descriptors and
 * the used ring. Called from the queue's thread; implementations are thread-safe.
 */
@FunctionalInterface
public interface GuestWriteLog {

    /** Records that {@code length} bytes from guest-physical {@code guestAddress} were written. */
    void written(long guestAddress, long length);
}
