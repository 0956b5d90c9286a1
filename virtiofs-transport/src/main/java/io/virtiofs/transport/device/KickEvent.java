package io.virtiofs.transport.device;

/**
 * Where a queue worker waits for available buffer notifications ("kicks", VIRTIO 1.2 §2.7.13.3):
 * an in-process driver kicks by a method call ({@link InProcessKick}); vhost-user kicks through an
 * eventfd, whose wrapper implements this interface with a blocking {@code read(2)} and a
 * {@code write(2)} of 1.
 *
 * <p>Kicks may coalesce and may be spurious: a worker always rereads the ring after waking.
 */
public interface KickEvent {

    /**
     * Blocks until a kick (or a {@link #wake()}) arrives, consuming every kick pending. Returns at
     * once if one is already pending.
     *
     * @throws InterruptedException if the waiting thread is interrupted (implementations that block
     *     in native code may not notice interruption; {@link #wake()} always works)
     */
    void awaitKick() throws InterruptedException;

    /**
     * Makes a current or the next {@link #awaitKick()} return, as a kick would. The device calls
     * this to stop a worker, after a memory table change, and when a completion is ready.
     * Thread-safe.
     */
    void wake();
}
