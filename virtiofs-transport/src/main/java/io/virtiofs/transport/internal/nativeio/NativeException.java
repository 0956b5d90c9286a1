package io.virtiofs.transport.internal.nativeio;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * A system call failed: which call, and the errno it set.
 *
 * <p>{@link #unrecorded} makes one without a stack trace, for failures that are ordinary answers
 * on a hot path (ENOENT from the look-up of an absent name, EEXIST, ENODATA): recording the stack
 * costs more than the system call.
 */
public sealed class NativeException extends IOException permits NativeException.Unrecorded {

    private static final long serialVersionUID = 1L;

    private final transient Errno errno;
    private final String call;

    public NativeException(String call, Errno errno) {
        this(call, errno, call + " failed: " + errno.name() + " (" + errno.description() + ")");
    }

    public NativeException(String call, Errno errno, @Nullable String message) {
        super(message);
        this.call = call;
        this.errno = errno;
    }

    /** A failure of {@code call} with {@code errno} that records no stack trace. */
    public static NativeException unrecorded(String call, Errno errno) {
        return new Unrecorded(call, errno);
    }

    /** The errno the call set. */
    public Errno errno() {
        return errno;
    }

    /** The system call's name. */
    public String call() {
        return call;
    }

    /** The same failure as an answer to a FUSE request. */
    public ErrnoException toErrnoException() {
        return this instanceof Unrecorded ? new ErrnoException(errno, getMessage())
                : new ErrnoException(errno, getMessage(), this);
    }

    /** A {@link NativeException} without a stack trace. */
    static final class Unrecorded extends NativeException {

        private static final long serialVersionUID = 1L;

        Unrecorded(String call, Errno errno) {
            super(call, errno, null);
        }

        // Built when asked for: most of these are answered without anyone reading the message.
        @Override
        public String getMessage() {
            return call() + " failed: " + errno().name() + " (" + errno().description() + ")";
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
