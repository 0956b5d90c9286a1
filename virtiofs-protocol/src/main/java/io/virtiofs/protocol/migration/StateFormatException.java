package io.virtiofs.protocol.migration;

import java.io.IOException;

/**
 * A device state that cannot be loaded: not a state of this library, a version this side does
 * not read, a checksum that does not match, a stream cut short, content that contradicts itself,
 * or a state this side cannot take (another file system's, a session it would negotiate
 * differently). The message says which.
 */
public final class StateFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    public StateFormatException(String message) {
        super(message);
    }

    public StateFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
