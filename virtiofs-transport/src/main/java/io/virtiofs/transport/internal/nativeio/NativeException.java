package io.virtiofs.transport.internal.nativeio;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import java.io.IOException;

/** A system call failed: which call, and the errno it set. */
public final class NativeException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Errno errno;
    private final String call;

    public NativeException(String call, Errno errno) {
        this(call, errno, call + " failed: " + errno.name() + " (" + errno.description() + ")");
    }

    public NativeException(String call, Errno errno, String message) {
        super(message);
        this.call = call;
        this.errno = errno;
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
        return new ErrnoException(errno, getMessage(), this);
    }
}
