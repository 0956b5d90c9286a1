package io.virtiofs.protocol.server;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.AccessMask;
import io.virtiofs.api.AttrReply;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.RenameFlags;
import io.virtiofs.api.StatxReply;
import io.virtiofs.api.StatxRequest;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.message.AccessIn;
import io.virtiofs.protocol.message.AttrOut;
import io.virtiofs.protocol.message.BatchForgetIn;
import io.virtiofs.protocol.message.ForgetIn;
import io.virtiofs.protocol.message.ForgetOne;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.message.LinkIn;
import io.virtiofs.protocol.message.MkdirIn;
import io.virtiofs.protocol.message.MknodIn;
import io.virtiofs.protocol.message.NameIn;
import io.virtiofs.protocol.message.Rename2In;
import io.virtiofs.protocol.message.RenameIn;
import io.virtiofs.protocol.message.SetattrIn;
import io.virtiofs.protocol.message.StatfsOut;
import io.virtiofs.protocol.message.StatxIn;
import io.virtiofs.protocol.message.StatxOut;
import io.virtiofs.protocol.message.SymlinkIn;

/** Requests about names and nodes: lookup, forget, attributes, links, the namespace. */
final class NodeOperations {

    private final FileSystem fs;
    private final Operations operations;

    NodeOperations(FileSystem fs, Operations operations) {
        this.fs = fs;
        this.operations = operations;
    }

    void lookup(Exchange exchange, ByteBuf body) {
        NameIn in = NameIn.decode(body, exchange.format());
        Operations.requireEntrySpace(exchange, 0);
        operations.replyEntry(exchange, fs.lookup(exchange, exchange.nodeid(), in.name()), in.name().isDotOrDotDot());
    }

    void forget(Exchange exchange, ByteBuf body) {
        ForgetIn in = ForgetIn.decode(body, exchange.format());
        operations.forget(exchange.nodeid(), in.nlookup());
    }

    void batchForget(Exchange exchange, ByteBuf body) {
        BatchForgetIn in = BatchForgetIn.decode(body, exchange.format());
        for (ForgetOne one : in.forgets()) {
            operations.forget(one.nodeid(), one.nlookup());
        }
    }

    void getattr(Exchange exchange, ByteBuf body) {
        GetattrIn in = GetattrIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE + AttrOut.SIZE);
        AttrReply reply = in.hasFh()
                ? fs.fgetattr(exchange, exchange.nodeid(), in.fh())
                : fs.getattr(exchange, exchange.nodeid());
        FileSystemMistake.checkAttr(exchange, reply);
        exchange.replyAttr(reply);
    }

    void setattr(Exchange exchange, ByteBuf body) {
        SetattrIn in = SetattrIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE + AttrOut.SIZE);
        AttrReply reply = fs.setattr(exchange, exchange.nodeid(), in.request());
        FileSystemMistake.checkAttr(exchange, reply);
        exchange.replyAttr(reply);
    }

    void readlink(Exchange exchange) {
        exchange.replyTarget(fs.readlink(exchange, exchange.nodeid()));
    }

    void symlink(Exchange exchange, ByteBuf body) {
        SymlinkIn in = SymlinkIn.decode(body, exchange.format());
        Operations.requireEntrySpace(exchange, 0);
        operations.replyEntry(exchange, fs.symlink(exchange, exchange.nodeid(), in.name(), in.target()));
    }

    void mknod(Exchange exchange, ByteBuf body) {
        MknodIn in = MknodIn.decode(body, exchange.format());
        exchange.umask(in.umask());
        Operations.requireEntrySpace(exchange, 0);
        operations.replyEntry(exchange, fs.mknod(exchange, exchange.nodeid(), in.name(), in.mode(), in.rdev()));
    }

    void mkdir(Exchange exchange, ByteBuf body) {
        MkdirIn in = MkdirIn.decode(body, exchange.format());
        exchange.umask(in.umask());
        Operations.requireEntrySpace(exchange, 0);
        operations.replyEntry(exchange, fs.mkdir(exchange, exchange.nodeid(), in.name(), in.mode()));
    }

    void unlink(Exchange exchange, ByteBuf body) {
        NameIn in = NameIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE);
        fs.unlink(exchange, exchange.nodeid(), in.name());
        exchange.replyEmpty();
    }

    void rmdir(Exchange exchange, ByteBuf body) {
        NameIn in = NameIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE);
        fs.rmdir(exchange, exchange.nodeid(), in.name());
        exchange.replyEmpty();
    }

    void rename(Exchange exchange, ByteBuf body) {
        RenameIn in = RenameIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE);
        fs.rename(exchange, exchange.nodeid(), in.oldName(), in.newdir(), in.newName(), RenameFlags.NONE);
        exchange.replyEmpty();
    }

    void rename2(Exchange exchange, ByteBuf body) {
        Rename2In in = Rename2In.decode(body, exchange.format());
        RenameFlags flags = new RenameFlags(in.flags());
        if (flags.hasUnknownBits()) {
            throw new io.virtiofs.api.ErrnoException(io.virtiofs.api.Errno.EINVAL,
                    "rename flags 0x" + Integer.toHexString(in.flags()) + " are unknown");
        }
        exchange.requireSpace(OutHeader.SIZE);
        fs.rename(exchange, exchange.nodeid(), in.oldName(), in.newdir(), in.newName(), flags);
        exchange.replyEmpty();
    }

    void link(Exchange exchange, ByteBuf body) {
        LinkIn in = LinkIn.decode(body, exchange.format());
        Operations.requireEntrySpace(exchange, 0);
        operations.replyEntry(exchange, fs.link(exchange, in.oldNodeid(), exchange.nodeid(), in.newName()));
    }

    void statfs(Exchange exchange) {
        exchange.requireSpace(OutHeader.SIZE + StatfsOut.SIZE);
        exchange.reply(new StatfsOut(fs.statfs(exchange, exchange.nodeid())));
    }

    void access(Exchange exchange, ByteBuf body) {
        AccessIn in = AccessIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE);
        fs.access(exchange, exchange.nodeid(), AccessMask.of(in.mask()));
        exchange.replyEmpty();
    }

    void syncfs(Exchange exchange) {
        exchange.requireSpace(OutHeader.SIZE);
        fs.syncfs(exchange, exchange.nodeid());
        exchange.replyEmpty();
    }

    void statx(Exchange exchange, ByteBuf body) {
        StatxIn in = StatxIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE + StatxOut.SIZE);
        StatxReply reply = fs.statx(exchange,
                new StatxRequest(exchange.nodeid(), in.fh(), in.getattrFlags(), in.sxFlags(), in.sxMask()));
        exchange.reply(new StatxOut(reply.validity().getSeconds(), reply.validity().getNano(), 0, reply.statx()));
    }
}
