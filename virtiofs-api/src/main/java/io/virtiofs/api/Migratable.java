package io.virtiofs.api;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A {@link FileSystem} whose state can move to another process: live migration of the virtual
 * machine that mounts it (vhost-user's device-state transfer). A file system opts in by
 * implementing this interface beside {@link FileSystem}; a device serving one that does not
 * refuses migration up front (the VMM blocks it), so nothing is lost silently.
 *
 * <p>The server frames what this writes (length, checksum, version) and adds the FUSE session
 * around it: the driver's nodeids and their lookup counts, the negotiated INIT. The file system
 * saves what the driver may name afterwards: every node the driver holds, by the same nodeid, and
 * every open handle, by the same {@code fh}, with what makes them behave the same (content, locks,
 * directory offsets).
 *
 * <p>Both calls happen while no request runs (the device is suspended on the source, not yet
 * started on the destination).
 */
public interface Migratable {

    /**
     * The name and version of the format {@link #saveState} writes, such as {@code "memfs/1"}. A
     * destination whose file system names another format refuses the stream before reading it.
     */
    String stateFormat();

    /**
     * Why this file system cannot migrate now, if it cannot (a configuration that does not allow
     * it); empty when it can. Asked when a front-end connects: a reason makes the device refuse
     * migration up front.
     */
    default java.util.Optional<String> migrationBlocker() {
        return java.util.Optional.empty();
    }

    /**
     * Writes the state to {@code out}, streaming (without a second copy of the content in memory).
     * Must not change the file system: if the migration fails, the source goes on serving.
     *
     * @throws IOException if writing fails (the destination went away)
     */
    void saveState(WritableByteChannel out) throws IOException;

    /**
     * Reads a state written by {@link #saveState} of the same {@link #stateFormat()}, into a file
     * system that has served no session yet. On any failure (a truncated or inconsistent stream, a
     * file system too small for it) this throws and leaves the file system as it was.
     *
     * @throws IOException if the stream cannot be read or is not a valid state; its message says why
     */
    void restoreState(ReadableByteChannel in) throws IOException;
}
