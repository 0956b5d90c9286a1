package io.virtiofs.protocol.migration;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Optional;

/**
 * What a transport asks of a request handler whose state can migrate to another process
 * ({@link io.virtiofs.protocol.server.FuseServer} implements it). Both transfers happen while no
 * request runs.
 */
public interface DeviceState {

    /** Why the state cannot migrate (the file system did not opt in, ...); empty when it can. */
    Optional<String> migrationBlocker();

    /**
     * Writes the whole state, framed and checksummed, to {@code out}; changes nothing.
     *
     * @throws IOException if writing fails, or the state cannot migrate
     */
    void saveState(WritableByteChannel out) throws IOException;

    /**
     * Reads a state {@link #saveState} wrote, on a handler that has served no session yet. On
     * failure nothing is changed.
     *
     * @throws StateFormatException if the stream is not a state this side can take; the message says why
     * @throws IOException if reading fails
     */
    void loadState(ReadableByteChannel in, MigrationOnError onError) throws IOException;

    /** {@link #loadState(ReadableByteChannel, MigrationOnError)} refusing any state it cannot take whole. */
    default void loadState(ReadableByteChannel in) throws IOException {
        loadState(in, MigrationOnError.ABORT);
    }
}
