package io.virtiofs.protocol.server;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.Notifier;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.ProtocolVersion;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.message.InitOut;
import java.lang.System.Logger.Level;
import java.util.Optional;

/**
 * FUSE_INIT: checks the driver's version, lets the file system choose, answers.
 *
 * <p>Versions accepted: major 7 with any minor from {@link ProtocolVersion#MIN_MINOR} (7.9) up;
 * a minor above {@link ProtocolVersion#MAX_MINOR} (read unsigned, as the protocol's numbers are)
 * is a newer driver, which is answered with 7.45 and adapts. A major above 7 is answered with
 * 7.45 and no session, so the driver can send INIT again at 7; a major below 7, a minor below
 * 7.9, or a truncated {@code fuse_init_in} is refused with EPROTO.
 */
final class SessionStart {

    private static final System.Logger LOG = System.getLogger(FuseServer.class.getName());

    private SessionStart() {
    }

    /**
     * Answers an INIT request.
     *
     * @return the session it starts; empty when the INIT was refused or asks for another major
     *     version first
     */
    static Optional<Session> start(Exchange exchange, ByteBuf body, WireOrder order, FileSystem fs,
                                   FuseServerConfig config, Notifier notifier) {
        InitIn in;
        try {
            in = InitIn.decode(body, WireFormat.forInit(order));
        } catch (MalformedRequestException malformed) {
            LOG.log(Level.WARNING, "malformed FUSE_INIT {0}: {1}; answering EPROTO", exchange.unique(),
                    malformed.getMessage());
            exchange.replyError(Errno.EPROTO);
            return Optional.empty();
        }
        // Versions are unsigned 32-bit numbers on the wire.
        if (Integer.compareUnsigned(in.major(), ProtocolVersion.MAJOR) > 0) {
            // The driver speaks a newer major version: say which one we speak; it sends INIT again.
            LOG.log(Level.INFO, "FUSE_INIT of protocol {0}.{1}; answering with 7.{2} and waiting for a new INIT",
                    Integer.toUnsignedString(in.major()), Integer.toUnsignedString(in.minor()), ProtocolVersion.MAX_MINOR);
            exchange.reply(new InitOut(ProtocolVersion.MAJOR, ProtocolVersion.MAX_MINOR, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
            return Optional.empty();
        }
        if (in.major() < ProtocolVersion.MAJOR || Integer.compareUnsigned(in.minor(), ProtocolVersion.MIN_MINOR) < 0) {
            LOG.log(Level.WARNING, "FUSE_INIT from a driver of protocol {0}.{1}, older than 7.{2}; answering EPROTO",
                    in.major(), in.minor(), ProtocolVersion.MIN_MINOR);
            exchange.replyError(Errno.EPROTO);
            return Optional.empty();
        }
        SessionSetup setup = new SessionSetup(in, config, notifier);
        fs.init(setup);
        Negotiation negotiation = setup.settle();
        WireFormat format = new WireFormat(order, negotiation.version().minor(),
                negotiation.accepts(io.virtiofs.protocol.InitFlag.SETXATTR_EXT));
        exchange.reply(negotiation.toInitOut());
        return Optional.of(new Session(format, negotiation, in));
    }
}
