package io.virtiofs.api;

import java.util.Optional;
import java.util.Set;

/**
 * The session being set up by FUSE_INIT, as {@link FileSystem#init(InitConfig)} sees it: what the
 * driver offered, and what the server will accept unless the file system changes it.
 *
 * <p>The server starts from a default set of wanted capabilities that needs nothing from the
 * file system (asynchronous reads, big writes, parallel directory operations, ...). A file system
 * adds what it implements (locks, readdirplus, writeback caching) and removes what it cannot
 * honour. Wanting a capability the driver did not offer has no effect; the negotiation record
 * says so.
 */
public interface InitConfig {

    /** The driver's protocol major version (7). */
    int driverMajor();

    /** The driver's protocol minor version. */
    int driverMinor();

    /** The negotiated minor version: the lower of the driver's and the server's. */
    int negotiatedMinor();

    /** Whether the driver offered the capability. */
    boolean offered(Capability capability);

    /** Everything the driver offered. */
    Set<Capability> offeredCapabilities();

    /** Whether the capability will be accepted (it is wanted and was offered). */
    boolean accepted(Capability capability);

    /** Asks for a capability; has no effect when the driver did not offer it. */
    InitConfig want(Capability capability);

    /** Declines a capability. */
    InitConfig decline(Capability capability);

    /** The largest write the driver may send, in bytes. */
    int maxWrite();

    /** Sets the largest write (at least 4096; the server may lower it to its buffer size). */
    InitConfig maxWrite(int bytes);

    /** The largest readahead, in bytes (at most what the driver offered). */
    int maxReadahead();

    /** Sets the largest readahead. */
    InitConfig maxReadahead(int bytes);

    /** The granularity of timestamps, in nanoseconds (1 = nanoseconds; 1,000,000,000 = seconds). */
    int timeGranularity();

    /** Sets the timestamp granularity (a power of ten from 1 to 1,000,000,000). */
    InitConfig timeGranularity(int nanoseconds);

    /** The most background requests (asynchronous reads, ...) the driver keeps in flight. */
    int maxBackground();

    /** Sets the most background requests. */
    InitConfig maxBackground(int requests);

    /** Where the file system sends notifications to the driver (cache invalidation, ...). */
    Notifier notifier();

    /** The DAX window, when the transport has one. */
    Optional<DaxWindow> daxWindow();
}
