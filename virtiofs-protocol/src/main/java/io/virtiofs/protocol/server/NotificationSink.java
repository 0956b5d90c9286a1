package io.virtiofs.protocol.server;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.ErrnoException;

/**
 * Where a transport that carries FUSE notifications (/dev/fuse) takes them: one complete message
 * ({@code fuse_out_header} with unique 0 and the notification code, then its body).
 */
@FunctionalInterface
public interface NotificationSink {

    /**
     * Sends one notification; {@code message}'s readable bytes are the whole message. The sink does
     * not keep or release the buffer.
     *
     * @throws ErrnoException with the driver's answer, such as {@code ENOENT} when it has nothing
     *     cached for the node
     */
    void send(ByteBuf message);
}
