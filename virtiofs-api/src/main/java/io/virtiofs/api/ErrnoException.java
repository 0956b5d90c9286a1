package io.virtiofs.api;

import java.util.Objects;

/**
 * Thrown by a {@link FileSystem} to answer a request with an error: the server replies with
 * {@link #errno()} and logs nothing, because an errno is an ordinary answer ("no such file").
 *
 * <p>Any other exception escaping a file system is a bug in it: the server answers {@code EIO}
 * and logs the exception.
 *
 * <p>These exceptions carry no stack trace unless one is asked for: lookups of absent names are
 * frequent and must stay cheap.
 */
public class ErrnoException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Errno errno;

    /** An error answer with the errno's description as message. */
    public ErrnoException(Errno errno) {
        this(errno, errno.description());
    }

    /** An error answer with a message for logs and tests. */
    public ErrnoException(Errno errno, String message) {
        super(errno.name() + ": " + message, null, false, false);
        this.errno = Objects.requireNonNull(errno, "errno");
    }

    /** An error answer that keeps its cause and stack trace (for unexpected I/O failures). */
    public ErrnoException(Errno errno, String message, Throwable cause) {
        super(errno.name() + ": " + message, cause, false, true);
        this.errno = Objects.requireNonNull(errno, "errno");
    }

    /** The errno to answer with. */
    public Errno errno() {
        return errno;
    }
}
