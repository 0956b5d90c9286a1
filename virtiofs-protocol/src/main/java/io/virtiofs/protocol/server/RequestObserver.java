package io.virtiofs.protocol.server;

import io.virtiofs.protocol.Opcode;

/**
 * Hears of every request the server finished: per-operation metrics (counts, errors, latency
 * histograms) without a wrapper around the file system. Set with
 * {@link FuseServerConfig.Builder#observer} or {@link FuseServerConfig#withObserver}; without
 * one, the server reads no clock and calls nothing.
 *
 * <p>Called on the thread that finished the request (a transport's worker, or, for an
 * asynchronous file system, the thread that completed it), from several threads at once: it must
 * be thread-safe, quick, and must not throw (what it throws is logged and otherwise ignored).
 */
@FunctionalInterface
public interface RequestObserver {

    /**
     * One request was finished.
     *
     * @param opcode the request's operation
     * @param errno the error code the reply carried (a positive Linux errno), or 0 for success
     *     and for requests that take no reply
     * @param nanos the time from the server receiving the request to its reply being written, in
     *     nanoseconds ({@link System#nanoTime()})
     */
    void served(Opcode opcode, int errno, long nanos);
}
