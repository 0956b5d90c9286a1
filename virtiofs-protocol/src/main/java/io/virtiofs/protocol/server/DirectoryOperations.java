package io.virtiofs.protocol.server;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.DirectoryPlusSink;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.OpenReply;
import io.virtiofs.api.ReleaseRequest;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.message.DirentWriter;
import io.virtiofs.protocol.message.FsyncIn;
import io.virtiofs.protocol.message.OpenIn;
import io.virtiofs.protocol.message.OpenOut;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.protocol.message.ReleaseIn;

/**
 * Requests on open directories. Directory entries go straight into the reply; an error after some
 * entries were added ends the listing early instead (the driver asks again from the last offset
 * and then gets the error).
 */
final class DirectoryOperations {

    private final FileSystem fs;
    private final Operations operations;

    DirectoryOperations(FileSystem fs, Operations operations) {
        this.fs = fs;
        this.operations = operations;
    }

    void opendir(Exchange exchange, ByteBuf body) {
        OpenIn in = OpenIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE + OpenOut.SIZE);
        OpenReply reply = fs.opendir(exchange, exchange.nodeid(), FileOperations.openFlags(in.flags(), in.openFlags()));
        exchange.reply(new OpenOut(reply.fh(), reply.flags(), 0));
    }

    void readdir(Exchange exchange, ByteBuf body) {
        ReadIn in = ReadIn.decode(body, exchange.format());
        exchange.limits().checkData("directory listing size", in.size());
        ByteBuf data = exchange.beginListing(in.size());
        WireFormat format = exchange.format();
        try {
            fs.readdir(exchange, exchange.nodeid(), in.fh(), in.offset(),
                    (name, nextOffset, type, ino) -> DirentWriter.writeDirent(data, format, ino, nextOffset,
                            type == null ? 0 : type.direntType(), name));
        } catch (ErrnoException failure) {
            if (data.writerIndex() == 0) {
                throw failure;
            }
        }
        exchange.finishListing(data);
    }

    void readdirplus(Exchange exchange, ByteBuf body) {
        ReadIn in = ReadIn.decode(body, exchange.format());
        exchange.limits().checkData("directory listing size", in.size());
        ByteBuf data = exchange.beginListing(in.size());
        try {
            fs.readdirplus(exchange, exchange.nodeid(), in.fh(), in.offset(), plusSink(exchange, data, operations));
        } catch (ErrnoException failure) {
            if (data.writerIndex() == 0) {
                throw failure;
            }
        }
        exchange.finishListing(data);
    }

    /**
     * Where readdirplus entries go: checked ({@link FileSystemMistake}), written into
     * {@code data}, and counted as lookups once accepted (but "." and "..").
     */
    static DirectoryPlusSink plusSink(Exchange exchange, ByteBuf data, Operations operations) {
        WireFormat format = exchange.format();
        return (name, nextOffset, entry) -> {
            FileSystemMistake.checkEntry(exchange, entry, name.isDotOrDotDot());
            if (!DirentWriter.writeDirentplus(data, format, entry, nextOffset, name)) {
                return false;
            }
            if (!name.isDotOrDotDot()) {
                operations.counted(entry);
            }
            return true;
        };
    }

    void releasedir(Exchange exchange, ByteBuf body) {
        ReleaseIn in = ReleaseIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE);
        fs.releasedir(exchange, new ReleaseRequest(exchange.nodeid(), in.fh(), in.flags(), in.releaseFlags(),
                in.lockOwner()));
        exchange.replyEmpty();
    }

    void fsyncdir(Exchange exchange, ByteBuf body) {
        FsyncIn in = FsyncIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE);
        fs.fsyncdir(exchange, exchange.nodeid(), in.fh(), (in.fsyncFlags() & FileOperations.FSYNC_FDATASYNC) != 0);
        exchange.replyEmpty();
    }
}
