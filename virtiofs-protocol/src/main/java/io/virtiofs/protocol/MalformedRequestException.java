package io.virtiofs.protocol;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;

/**
 * A request that breaks the FUSE wire format: truncated or oversized, with lengths that disagree,
 * a name without its NUL, an absurd count. The server answers it with {@link #errno()}
 * ({@code EINVAL} mostly, {@code ENAMETOOLONG}, {@code EPROTO} for a bad INIT) and the session
 * goes on.
 */
public final class MalformedRequestException extends ErrnoException {

    private static final long serialVersionUID = 1L;

    public MalformedRequestException(Errno errno, String message) {
        super(errno, message);
    }

    /** An {@code EINVAL} for a malformed request. */
    public static MalformedRequestException invalid(String message) {
        return new MalformedRequestException(Errno.EINVAL, message);
    }

    /** Checks that {@code needed} bytes are readable, or throws {@code EINVAL} naming {@code what}. */
    public static void requireReadable(io.netty.buffer.ByteBuf in, int needed, String what) {
        if (in.readableBytes() < needed) {
            throw invalid(what + " needs " + needed + " bytes, the request has " + in.readableBytes());
        }
    }
}
