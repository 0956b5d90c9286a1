package io.virtiofs.protocol.server;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.AsyncFileSystem;
import io.virtiofs.api.AttrReply;
import io.virtiofs.api.CreateReply;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.OpenReply;
import io.virtiofs.api.ReadRequest;
import io.virtiofs.api.ReleaseRequest;
import io.virtiofs.api.RenameFlags;
import io.virtiofs.api.WriteRequest;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.message.AttrOut;
import io.virtiofs.protocol.message.CreateIn;
import io.virtiofs.protocol.message.DirentWriter;
import io.virtiofs.protocol.message.FlushIn;
import io.virtiofs.protocol.message.FsyncIn;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.message.MkdirIn;
import io.virtiofs.protocol.message.NameIn;
import io.virtiofs.protocol.message.OpenIn;
import io.virtiofs.protocol.message.OpenOut;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.protocol.message.ReleaseIn;
import io.virtiofs.protocol.message.Rename2In;
import io.virtiofs.protocol.message.RenameIn;
import io.virtiofs.protocol.message.SetattrIn;
import io.virtiofs.protocol.message.StatfsOut;
import io.virtiofs.protocol.message.WriteIn;
import io.virtiofs.protocol.message.WriteOut;
import org.jspecify.annotations.Nullable;

/**
 * The requests an {@link AsyncFileSystem} may complete later: each decodes and checks its request
 * as the synchronous handler does, asks the file system's {@code ...Async} method, and writes the
 * reply when the stage completes ({@link PendingRequests#await}). Only used when the file system
 * is asynchronous; the others take the synchronous handlers.
 */
final class AsyncOperations {

    private final AsyncFileSystem fs;
    private final Operations operations;
    private final PendingRequests pending;

    AsyncOperations(AsyncFileSystem fs, Operations operations, PendingRequests pending) {
        this.fs = fs;
        this.operations = operations;
        this.pending = pending;
    }

    /** Serves {@code opcode} asynchronously; null when it is not one of the asynchronous requests. */
    @Nullable Served dispatch(Exchange exchange, Opcode opcode, ByteBuf body) {
        return switch (opcode) {
            case LOOKUP -> lookup(exchange, body);
            case GETATTR -> getattr(exchange, body);
            case SETATTR -> setattr(exchange, body);
            case MKDIR -> mkdir(exchange, body);
            case UNLINK -> unlink(exchange, body, false);
            case RMDIR -> unlink(exchange, body, true);
            case RENAME -> rename(exchange, body, false);
            case RENAME2 -> rename(exchange, body, true);
            case OPEN -> open(exchange, body, false);
            case OPENDIR -> open(exchange, body, true);
            case CREATE -> create(exchange, body);
            case READ -> read(exchange, body);
            case WRITE -> write(exchange, body);
            case FLUSH -> flush(exchange, body);
            case FSYNC -> fsync(exchange, body);
            case RELEASE -> release(exchange, body, false);
            case RELEASEDIR -> release(exchange, body, true);
            case READDIR -> readdir(exchange, body);
            case READDIRPLUS -> readdirplus(exchange, body);
            case STATFS -> statfs(exchange);
            default -> null;
        };
    }

    private Served lookup(Exchange exchange, ByteBuf body) {
        NameIn in = NameIn.decode(body, exchange.format());
        Operations.requireEntrySpace(exchange, 0);
        boolean mayBeRoot = in.name().isDotOrDotDot();
        return pending.await(exchange, fs.lookupAsync(exchange, exchange.nodeid(), in.name()),
                entry -> operations.replyEntry(exchange, entry, mayBeRoot));
    }

    private Served getattr(Exchange exchange, ByteBuf body) {
        GetattrIn in = GetattrIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE + AttrOut.SIZE);
        return pending.await(exchange, in.hasFh()
                ? fs.fgetattrAsync(exchange, exchange.nodeid(), in.fh())
                : fs.getattrAsync(exchange, exchange.nodeid()), reply -> replyAttr(exchange, reply));
    }

    private Served setattr(Exchange exchange, ByteBuf body) {
        SetattrIn in = SetattrIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE + AttrOut.SIZE);
        return pending.await(exchange, fs.setattrAsync(exchange, exchange.nodeid(), in.request()),
                reply -> replyAttr(exchange, reply));
    }

    private static void replyAttr(Exchange exchange, AttrReply reply) {
        FileSystemMistake.checkAttr(exchange, reply);
        exchange.replyAttr(reply);
    }

    private Served mkdir(Exchange exchange, ByteBuf body) {
        MkdirIn in = MkdirIn.decode(body, exchange.format());
        exchange.umask(in.umask());
        Operations.requireEntrySpace(exchange, 0);
        return pending.await(exchange, fs.mkdirAsync(exchange, exchange.nodeid(), in.name(), in.mode()),
                entry -> operations.replyEntry(exchange, entry));
    }

    private Served unlink(Exchange exchange, ByteBuf body, boolean directory) {
        NameIn in = NameIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE);
        return pending.await(exchange, directory
                ? fs.rmdirAsync(exchange, exchange.nodeid(), in.name())
                : fs.unlinkAsync(exchange, exchange.nodeid(), in.name()), done -> exchange.replyEmpty());
    }

    private Served rename(Exchange exchange, ByteBuf body, boolean withFlags) {
        long newParent;
        io.virtiofs.api.FileName oldName;
        io.virtiofs.api.FileName newName;
        RenameFlags flags;
        if (withFlags) {
            Rename2In in = Rename2In.decode(body, exchange.format());
            flags = new RenameFlags(in.flags());
            if (flags.hasUnknownBits()) {
                throw new ErrnoException(io.virtiofs.api.Errno.EINVAL,
                        "rename flags 0x" + Integer.toHexString(in.flags()) + " are unknown");
            }
            newParent = in.newdir();
            oldName = in.oldName();
            newName = in.newName();
        } else {
            RenameIn in = RenameIn.decode(body, exchange.format());
            flags = RenameFlags.NONE;
            newParent = in.newdir();
            oldName = in.oldName();
            newName = in.newName();
        }
        exchange.requireSpace(OutHeader.SIZE);
        return pending.await(exchange, fs.renameAsync(exchange, exchange.nodeid(), oldName, newParent, newName, flags),
                done -> exchange.replyEmpty());
    }

    private Served open(Exchange exchange, ByteBuf body, boolean directory) {
        OpenIn in = OpenIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE + OpenOut.SIZE);
        io.virtiofs.api.OpenFlags flags = FileOperations.openFlags(in.flags(), in.openFlags());
        return pending.await(exchange, directory
                ? fs.opendirAsync(exchange, exchange.nodeid(), flags)
                : fs.openAsync(exchange, exchange.nodeid(), flags),
                (OpenReply reply) -> exchange.reply(new OpenOut(reply.fh(), reply.flags(), 0)));
    }

    private Served create(Exchange exchange, ByteBuf body) {
        CreateIn in = CreateIn.decode(body, exchange.format());
        exchange.umask(in.umask());
        Operations.requireEntrySpace(exchange, OpenOut.SIZE);
        return pending.await(exchange, fs.createAsync(exchange, exchange.nodeid(), in.name(), in.mode(),
                FileOperations.openFlags(in.flags(), in.openFlags())),
                (CreateReply reply) -> operations.replyCreated(exchange, reply));
    }

    private Served read(Exchange exchange, ByteBuf body) {
        ReadIn in = ReadIn.decode(body, exchange.format());
        exchange.limits().checkData("read size", in.size());
        RequestLimits.checkRange("read", in.offset(), in.size());
        ByteBuf data = exchange.beginData(in.size());
        ReadRequest request = new ReadRequest(exchange.nodeid(), in.fh(), in.offset(), data.capacity(), in.readFlags(),
                in.lockOwner(), in.flags());
        return pending.await(exchange, fs.readAsync(exchange, request, data), done -> exchange.finishData(data));
    }

    private Served write(Exchange exchange, ByteBuf body) {
        WriteIn in = WriteIn.decode(body, exchange.format());
        exchange.limits().checkWrite(in.size());
        RequestLimits.checkRange("write", in.offset(), in.size());
        exchange.requireSpace(OutHeader.SIZE + WriteOut.SIZE);
        WriteRequest request = new WriteRequest(exchange.nodeid(), in.fh(), in.offset(), in.size(), in.writeFlags(),
                in.lockOwner(), in.flags());
        int size = in.size();
        return pending.await(exchange, fs.writeAsync(exchange, request, in.data()), (Integer count) -> {
            if (count == null || count < 0 || count > size) {
                throw new IllegalStateException("write of " + size + " bytes to node " + exchange.nodeid()
                        + " completed with " + count);
            }
            exchange.replyWritten(count);
        });
    }

    private Served flush(Exchange exchange, ByteBuf body) {
        FlushIn in = FlushIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE);
        return pending.await(exchange, fs.flushAsync(exchange, exchange.nodeid(), in.fh(), in.lockOwner()),
                done -> exchange.replyEmpty());
    }

    private Served fsync(Exchange exchange, ByteBuf body) {
        FsyncIn in = FsyncIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE);
        return pending.await(exchange, fs.fsyncAsync(exchange, exchange.nodeid(), in.fh(),
                (in.fsyncFlags() & FileOperations.FSYNC_FDATASYNC) != 0), done -> exchange.replyEmpty());
    }

    private Served release(Exchange exchange, ByteBuf body, boolean directory) {
        ReleaseIn in = ReleaseIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE);
        ReleaseRequest request = new ReleaseRequest(exchange.nodeid(), in.fh(), in.flags(), in.releaseFlags(),
                in.lockOwner());
        return pending.await(exchange, directory ? fs.releasedirAsync(exchange, request)
                : fs.releaseAsync(exchange, request), done -> exchange.replyEmpty());
    }

    private Served readdir(Exchange exchange, ByteBuf body) {
        ReadIn in = ReadIn.decode(body, exchange.format());
        exchange.limits().checkData("directory listing size", in.size());
        ByteBuf data = exchange.beginListing(in.size());
        WireFormat format = exchange.format();
        return pending.awaitListing(exchange, data, fs.readdirAsync(exchange, exchange.nodeid(), in.fh(), in.offset(),
                (name, nextOffset, type, ino) -> DirentWriter.writeDirent(data, format, ino, nextOffset,
                        type == null ? 0 : type.direntType(), name)));
    }

    private Served readdirplus(Exchange exchange, ByteBuf body) {
        ReadIn in = ReadIn.decode(body, exchange.format());
        exchange.limits().checkData("directory listing size", in.size());
        ByteBuf data = exchange.beginListing(in.size());
        return pending.awaitListing(exchange, data, fs.readdirplusAsync(exchange, exchange.nodeid(), in.fh(),
                in.offset(), DirectoryOperations.plusSink(exchange, data, operations)));
    }

    private Served statfs(Exchange exchange) {
        exchange.requireSpace(OutHeader.SIZE + StatfsOut.SIZE);
        return pending.await(exchange, fs.statfsAsync(exchange, exchange.nodeid()),
                statfs -> exchange.reply(new StatfsOut(statfs)));
    }
}
