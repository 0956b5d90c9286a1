package io.virtiofs.protocol.server;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Context;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.ReleaseRequest;
import io.virtiofs.api.SecurityLabel;
import io.virtiofs.protocol.InHeader;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.message.CreateOut;
import io.virtiofs.protocol.message.Direntplus;
import io.virtiofs.protocol.message.DirentplusOut;
import io.virtiofs.protocol.message.EntryOut;
import io.virtiofs.protocol.message.OpenOut;
import java.lang.System.Logger.Level;
import java.util.List;

/**
 * Takes back what a reply the driver never received handed out: the lookup of each entry in it,
 * and an open handle. Without this, a request interrupted while its reply was on the way would
 * leak a node or an open file in the file system.
 */
final class UndeliveredReply {

    private static final System.Logger LOG = System.getLogger(FuseServer.class.getName());

    private UndeliveredReply() {
    }

    static void takeBack(ByteBuf request, ByteBuf reply, WireFormat format, Operations operations, FileSystem fs) {
        if (request.readableBytes() < InHeader.SIZE || reply.readableBytes() < OutHeader.SIZE) {
            return;
        }
        InHeader header = InHeader.decode(request.duplicate(), format.order());
        ByteBuf body = reply.duplicate();
        OutHeader out = OutHeader.decode(body, format.order());
        if (out.error() != 0) {
            return;
        }
        Opcode opcode = Opcode.of(header.opcode()).orElse(Opcode.INIT);
        try {
            switch (opcode) {
                case LOOKUP, MKNOD, MKDIR, SYMLINK, LINK -> forgetOne(operations, EntryOut.decode(body, format).nodeid());
                case CREATE, TMPFILE -> {
                    CreateOut created = CreateOut.decode(body, format);
                    forgetOne(operations, created.entry().nodeid());
                    fs.release(new Nobody(header.unique()),
                            new ReleaseRequest(created.entry().nodeid(), created.open().fh(), 0, 0, 0));
                }
                case OPEN -> fs.release(new Nobody(header.unique()),
                        new ReleaseRequest(header.nodeid(), OpenOut.decode(body, format).fh(), 0, 0, 0));
                case OPENDIR -> fs.releasedir(new Nobody(header.unique()),
                        new ReleaseRequest(header.nodeid(), OpenOut.decode(body, format).fh(), 0, 0, 0));
                case READDIRPLUS -> {
                    for (Direntplus entry : DirentplusOut.decode(body, format).entries()) {
                        if (!entry.dirent().name().isDotOrDotDot()) {
                            forgetOne(operations, entry.entry().nodeid());
                        }
                    }
                }
                default -> {
                    // Nothing handed out.
                }
            }
        } catch (RuntimeException failure) {
            LOG.log(Level.WARNING, "could not take back the undelivered reply to request " + header.unique(), failure);
        }
    }

    private static void forgetOne(Operations operations, long nodeid) {
        if (nodeid != 0) {
            operations.forget(nodeid, 1);
        }
    }

    /** The context of a call the server makes on its own (no driver request behind it). */
    private record Nobody(long requestId) implements Context {
        @Override
        public int uid() {
            return 0;
        }

        @Override
        public int gid() {
            return 0;
        }

        @Override
        public int pid() {
            return 0;
        }

        @Override
        public int umask() {
            return 0;
        }

        @Override
        public int supplementaryGroupCount() {
            return 0;
        }

        @Override
        public int supplementaryGroup(int index) {
            throw new IndexOutOfBoundsException(index);
        }

        @Override
        public List<SecurityLabel> securityLabels() {
            return List.of();
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void onCancel(Runnable action) {
            // Never cancelled.
        }
    }
}
