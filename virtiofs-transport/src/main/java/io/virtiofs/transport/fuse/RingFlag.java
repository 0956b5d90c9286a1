package io.virtiofs.transport.fuse;

/**
 * How each ring of a mount served over io_uring is set up ({@code io_uring_setup(2)} flags;
 * {@code IORING_SETUP_SQE128}, which FUSE's commands need, is always added).
 */
public enum RingFlag {

    /** {@code IORING_SETUP_SINGLE_ISSUER}: only the ring's own thread submits (it does). */
    SINGLE_ISSUER,
    /**
     * {@code IORING_SETUP_DEFER_TASKRUN}: the kernel's completion work (copying the next request
     * into the ring) runs when the ring's thread waits, not whenever the kernel finds a moment;
     * needs {@link #SINGLE_ISSUER}.
     */
    DEFER_TASKRUN,
    /**
     * {@code IORING_SETUP_COOP_TASKRUN}: the kernel does not interrupt the ring's thread to run
     * completion work; it runs at the thread's next entry into the kernel.
     */
    COOP_TASKRUN
}
