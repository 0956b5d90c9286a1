package io.virtiofs.s3.store;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;

/**
 * A store call failed; the errno is what a file system answers for it (EIO for a server or network
 * failure, ETIMEDOUT past the configured timeout, EACCES for refused credentials, ENOENT for a
 * missing object, ESTALE when the object changed under a read).
 */
public final class StoreException extends ErrnoException {

    private static final long serialVersionUID = 1L;

    public StoreException(Errno errno, String message, Throwable cause) {
        super(errno, message, cause);
    }

    public StoreException(Errno errno, String message) {
        super(errno, message);
    }
}
