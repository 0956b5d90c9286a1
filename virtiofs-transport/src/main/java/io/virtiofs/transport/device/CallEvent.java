package io.virtiofs.transport.device;

/**
 * How the device notifies the driver: a used buffer notification for a queue (VIRTIO 1.2
 * §2.7.14), or a configuration change notification (DEVICE_NEEDS_RESET). In process this is a
 * callback; vhost-user writes 1 to the call eventfd (whose wrapper implements this interface).
 */
@FunctionalInterface
public interface CallEvent {

    /** Notifies the driver. Must not block for long; called from queue worker threads. */
    void call();

    /** A notification nobody listens to. */
    static CallEvent none() {
        return () -> {
        };
    }
}
