package io.virtiofs.protocol.server;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.AsyncFileSystem;
import io.virtiofs.api.CreateReply;
import io.virtiofs.api.Entry;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.OpenReply;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.message.CreateOut;
import io.virtiofs.protocol.message.EntryOut;
import io.virtiofs.protocol.message.OpenOut;
import java.lang.System.Logger.Level;
import org.jspecify.annotations.Nullable;

/**
 * The dispatcher: an exhaustive switch from opcode to one small handler. The handlers live in
 * one class per family of requests.
 */
final class Operations {

    private static final System.Logger LOG = System.getLogger(FuseServer.class.getName());

    private final FileSystem fs;
    private final LookupCounts lookups;
    private final Counters counters;
    private final NodeOperations nodes;
    private final FileOperations files;
    private final DirectoryOperations directories;
    private final XattrOperations xattrs;
    private final DaxOperations dax;
    /** The asynchronous variants, when the file system is an {@link AsyncFileSystem}; else null. */
    private final @Nullable AsyncOperations async;

    Operations(FileSystem fs, FuseServerConfig config, LookupCounts lookups, Counters counters,
               PendingRequests pending) {
        this.fs = fs;
        this.lookups = lookups;
        this.counters = counters;
        this.nodes = new NodeOperations(fs, this);
        this.files = new FileOperations(fs, this);
        this.directories = new DirectoryOperations(fs, this);
        this.xattrs = new XattrOperations(fs);
        this.dax = new DaxOperations(fs, config);
        this.async = fs instanceof AsyncFileSystem asyncFs ? new AsyncOperations(asyncFs, this, pending) : null;
    }

    Served dispatch(Exchange exchange, Opcode opcode, ByteBuf body) {
        AsyncOperations asyncOperations = async;
        if (asyncOperations != null) {
            Served served = asyncOperations.dispatch(exchange, opcode, body);
            if (served != null) {
                return served;
            }
        }
        switch (opcode) {
            case LOOKUP -> nodes.lookup(exchange, body);
            case FORGET -> {
                nodes.forget(exchange, body);
                return Served.noReply();
            }
            case BATCH_FORGET -> {
                nodes.batchForget(exchange, body);
                return Served.noReply();
            }
            case GETATTR -> nodes.getattr(exchange, body);
            case SETATTR -> nodes.setattr(exchange, body);
            case READLINK -> nodes.readlink(exchange);
            case SYMLINK -> nodes.symlink(exchange, body);
            case MKNOD -> nodes.mknod(exchange, body);
            case MKDIR -> nodes.mkdir(exchange, body);
            case UNLINK -> nodes.unlink(exchange, body);
            case RMDIR -> nodes.rmdir(exchange, body);
            case RENAME -> nodes.rename(exchange, body);
            case RENAME2 -> nodes.rename2(exchange, body);
            case LINK -> nodes.link(exchange, body);
            case STATFS -> nodes.statfs(exchange);
            case ACCESS -> nodes.access(exchange, body);
            case SYNCFS -> nodes.syncfs(exchange);
            case STATX -> nodes.statx(exchange, body);
            case OPEN -> files.open(exchange, body);
            case CREATE -> files.create(exchange, body);
            case TMPFILE -> files.tmpfile(exchange, body);
            case READ -> files.read(exchange, body);
            case WRITE -> files.write(exchange, body);
            case FLUSH -> files.flush(exchange, body);
            case RELEASE -> files.release(exchange, body);
            case FSYNC -> files.fsync(exchange, body);
            case FALLOCATE -> files.fallocate(exchange, body);
            case LSEEK -> files.lseek(exchange, body);
            case COPY_FILE_RANGE -> files.copyFileRange(exchange, body, false);
            case COPY_FILE_RANGE_64 -> files.copyFileRange(exchange, body, true);
            case BMAP -> files.bmap(exchange, body);
            case IOCTL -> files.ioctl(exchange, body);
            case POLL -> files.poll(exchange, body);
            case GETLK -> files.getlk(exchange, body);
            case SETLK -> files.setlk(exchange, body, false);
            case SETLKW -> files.setlk(exchange, body, true);
            case OPENDIR -> directories.opendir(exchange, body);
            case READDIR -> directories.readdir(exchange, body);
            case READDIRPLUS -> directories.readdirplus(exchange, body);
            case RELEASEDIR -> directories.releasedir(exchange, body);
            case FSYNCDIR -> directories.fsyncdir(exchange, body);
            case SETXATTR -> xattrs.setxattr(exchange, body);
            case GETXATTR -> xattrs.getxattr(exchange, body);
            case LISTXATTR -> xattrs.listxattr(exchange, body);
            case REMOVEXATTR -> xattrs.removexattr(exchange, body);
            case SETUPMAPPING -> dax.setupmapping(exchange, body);
            case REMOVEMAPPING -> dax.removemapping(exchange, body);
            case INIT, DESTROY, INTERRUPT, NOTIFY_REPLY ->
                    throw new IllegalStateException(opcode + " is handled by the session, not dispatched");
        }
        return Served.replied();
    }

    // ------------------------------------------------------------------ lookup counting

    /** Checks, before asking the file system, that an entry reply will fit. */
    static void requireEntrySpace(Exchange exchange, int extra) {
        exchange.requireSpace(OutHeader.SIZE + EntryOut.size(exchange.format()) + extra);
    }

    /** Replies with an entry (checked: {@link FileSystemMistake}) and counts its lookup. */
    void replyEntry(Exchange exchange, Entry entry) {
        replyEntry(exchange, entry, false);
    }

    /**
     * Replies with an entry and counts its lookup; {@code mayBeRoot} when the entry may be the root
     * itself (a lookup of "." or "..").
     */
    void replyEntry(Exchange exchange, Entry entry, boolean mayBeRoot) {
        FileSystemMistake.checkEntry(exchange, entry, mayBeRoot);
        exchange.replyEntry(entry);
        counted(entry);
    }

    /** Replies to CREATE or TMPFILE (checked: {@link FileSystemMistake}) and counts the lookup. */
    void replyCreated(Exchange exchange, CreateReply reply) {
        FileSystemMistake.checkEntry(exchange, reply.entry(), false);
        OpenReply open = reply.open();
        exchange.reply(new CreateOut(EntryOut.of(reply.entry()), new OpenOut(open.fh(), open.flags(), 0)));
        counted(reply.entry());
    }

    /** Counts the lookup an entry that reached the driver hands out. */
    void counted(Entry entry) {
        if (!entry.isNegative()) {
            lookups.increment(entry.nodeid());
        }
    }

    /** Gives back lookups of a node: checks them against what is held, then tells the file system. */
    void forget(long nodeid, long nlookup) {
        long released = lookups.release(nodeid, nlookup);
        if (released < nlookup && nodeid != FileSystem.ROOT_ID) {
            counters.forgetAnomalies.increment();
            LOG.log(Level.DEBUG, "FORGET of {0} lookups of node {1}, which had {2}; clamped", nlookup, nodeid, released);
        }
        if (released > 0) {
            fs.forget(nodeid, released);
        }
    }

    /** Takes back what an undelivered reply handed out. */
    void undelivered(ByteBuf request, ByteBuf reply, WireFormat format) {
        UndeliveredReply.takeBack(request, reply, format, this, fs);
    }
}
