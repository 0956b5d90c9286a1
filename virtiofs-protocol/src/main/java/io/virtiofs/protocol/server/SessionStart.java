package io.virtiofs.protocol.server;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Capability;
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

/** FUSE_INIT: checks the driver's version, lets the file system choose, answers. */
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
        if (in.major() < ProtocolVersion.MAJOR) {
            LOG.log(Level.WARNING, "FUSE_INIT from a driver of protocol {0}.{1}, older than 7; answering EPROTO",
                    in.major(), in.minor());
            exchange.replyError(Errno.EPROTO);
            return Optional.empty();
        }
        if (in.major() > ProtocolVersion.MAJOR) {
            // The driver speaks a newer major version: say which one we speak; it sends INIT again.
            LOG.log(Level.INFO, "FUSE_INIT of protocol {0}.{1}; answering with 7.{2} and waiting for a new INIT",
                    in.major(), in.minor(), ProtocolVersion.MAX_MINOR);
            exchange.reply(new InitOut(ProtocolVersion.MAJOR, ProtocolVersion.MAX_MINOR, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
            return Optional.empty();
        }
        SessionSetup setup = new SessionSetup(in, config, notifier);
        fs.init(setup);
        Negotiation negotiation = setup.settle();
        WireFormat format = new WireFormat(order, negotiation.version().minor(),
                negotiation.accepts(Capability.SETXATTR_EXT));
        exchange.reply(negotiation.toInitOut());
        return Optional.of(new Session(format, negotiation));
    }
}
