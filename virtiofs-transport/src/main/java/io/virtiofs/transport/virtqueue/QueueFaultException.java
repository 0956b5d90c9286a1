package io.virtiofs.transport.virtqueue;

/**
 * A driver broke a virtqueue ({@link QueueFault}); the queue is marked broken and serves no more
 * chains until the device is reset.
 */
public final class QueueFaultException extends Exception {

    private static final long serialVersionUID = 1L;

    private final QueueFault fault;
    private final int queueIndex;

    public QueueFaultException(QueueFault fault, int queueIndex, String detail) {
        super("virtqueue " + queueIndex + " broken: " + fault.description() + ": " + detail, null, false, false);
        this.fault = fault;
        this.queueIndex = queueIndex;
    }

    /** What the driver did. */
    public QueueFault fault() {
        return fault;
    }

    /** The queue's index in its device. */
    public int queueIndex() {
        return queueIndex;
    }
}
