package io.virtiofs.protocol.server;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.CopyFileRangeRequest;
import io.virtiofs.api.CreateReply;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FallocateMode;
import io.virtiofs.api.FallocateRequest;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.IoctlReply;
import io.virtiofs.api.IoctlRequest;
import io.virtiofs.api.LockRequest;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.OpenReply;
import io.virtiofs.api.PollEvents;
import io.virtiofs.api.PollRequest;
import io.virtiofs.api.ReadRequest;
import io.virtiofs.api.ReleaseRequest;
import io.virtiofs.api.Whence;
import io.virtiofs.api.WriteRequest;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.message.BmapIn;
import io.virtiofs.protocol.message.BmapOut;
import io.virtiofs.protocol.message.CopyFileRangeIn;
import io.virtiofs.protocol.message.CopyFileRangeOut;
import io.virtiofs.protocol.message.CreateIn;
import io.virtiofs.protocol.message.FallocateIn;
import io.virtiofs.protocol.message.FlushIn;
import io.virtiofs.protocol.message.FsyncIn;
import io.virtiofs.protocol.message.IoctlIn;
import io.virtiofs.protocol.message.IoctlOut;
import io.virtiofs.protocol.message.LkIn;
import io.virtiofs.protocol.message.LkOut;
import io.virtiofs.protocol.message.LseekIn;
import io.virtiofs.protocol.message.LseekOut;
import io.virtiofs.protocol.message.OpenIn;
import io.virtiofs.protocol.message.OpenOut;
import io.virtiofs.protocol.message.PollIn;
import io.virtiofs.protocol.message.PollOut;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.protocol.message.ReleaseIn;
import io.virtiofs.protocol.message.TmpfileIn;
import io.virtiofs.protocol.message.WriteIn;
import io.virtiofs.protocol.message.WriteOut;

/** Requests on open files: open and create, data, locks, and the rest of the file calls. */
final class FileOperations {

    /** FUSE_OPEN_KILL_SUIDGID in {@code open_flags}. */
    private static final int OPEN_KILL_SUIDGID = 1;
    /** FUSE_FSYNC_FDATASYNC in {@code fsync_flags}. */
    static final int FSYNC_FDATASYNC = 1;

    private final FileSystem fs;
    private final Operations operations;

    FileOperations(FileSystem fs, Operations operations) {
        this.fs = fs;
        this.operations = operations;
    }

    static OpenFlags openFlags(int flags, int openFlags) {
        return new OpenFlags(flags, (openFlags & OPEN_KILL_SUIDGID) != 0);
    }

    void open(Exchange exchange, ByteBuf body) {
        OpenIn in = OpenIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE + OpenOut.SIZE);
        OpenReply reply = fs.open(exchange, exchange.nodeid(), openFlags(in.flags(), in.openFlags()));
        exchange.reply(new OpenOut(reply.fh(), reply.flags(), 0));
    }

    void create(Exchange exchange, ByteBuf body) {
        CreateIn in = CreateIn.decode(body, exchange.format());
        exchange.umask(in.umask());
        Operations.requireEntrySpace(exchange, OpenOut.SIZE);
        CreateReply reply = fs.create(exchange, exchange.nodeid(), in.name(), in.mode(),
                openFlags(in.flags(), in.openFlags()));
        replyCreated(exchange, reply);
    }

    void tmpfile(Exchange exchange, ByteBuf body) {
        TmpfileIn in = TmpfileIn.decode(body, exchange.format());
        exchange.umask(in.umask());
        Operations.requireEntrySpace(exchange, OpenOut.SIZE);
        CreateReply reply = fs.tmpfile(exchange, exchange.nodeid(), in.mode(), openFlags(in.flags(), in.openFlags()));
        replyCreated(exchange, reply);
    }

    private void replyCreated(Exchange exchange, CreateReply reply) {
        operations.replyCreated(exchange, reply);
    }

    void read(Exchange exchange, ByteBuf body) {
        ReadIn in = ReadIn.decode(body, exchange.format());
        exchange.limits().checkData("read size", in.size());
        RequestLimits.checkRange("read", in.offset(), in.size());
        ByteBuf data = exchange.beginData(in.size());
        // The view's capacity is the room: it cannot grow, so a file system cannot write more.
        fs.read(exchange,
                new ReadRequest(exchange.nodeid(), in.fh(), in.offset(), data.capacity(), in.readFlags(), in.lockOwner(),
                        in.flags()),
                data);
        exchange.finishData(data);
    }

    void write(Exchange exchange, ByteBuf body) {
        WriteIn in = WriteIn.decode(body, exchange.format());
        exchange.limits().checkWrite(in.size());
        RequestLimits.checkRange("write", in.offset(), in.size());
        exchange.requireSpace(OutHeader.SIZE + WriteOut.SIZE);
        ByteBuf data = in.data();
        int count = fs.write(exchange,
                new WriteRequest(exchange.nodeid(), in.fh(), in.offset(), in.size(), in.writeFlags(), in.lockOwner(),
                        in.flags()),
                data);
        if (count < 0 || count > in.size()) {
            throw new IllegalStateException("write of " + in.size() + " bytes to node " + exchange.nodeid()
                    + " returned " + count);
        }
        exchange.replyWritten(count);
    }

    void flush(Exchange exchange, ByteBuf body) {
        FlushIn in = FlushIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE);
        fs.flush(exchange, exchange.nodeid(), in.fh(), in.lockOwner());
        exchange.replyEmpty();
    }

    void release(Exchange exchange, ByteBuf body) {
        ReleaseIn in = ReleaseIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE);
        fs.release(exchange, new ReleaseRequest(exchange.nodeid(), in.fh(), in.flags(), in.releaseFlags(), in.lockOwner()));
        exchange.replyEmpty();
    }

    void fsync(Exchange exchange, ByteBuf body) {
        FsyncIn in = FsyncIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE);
        fs.fsync(exchange, exchange.nodeid(), in.fh(), (in.fsyncFlags() & FSYNC_FDATASYNC) != 0);
        exchange.replyEmpty();
    }

    void fallocate(Exchange exchange, ByteBuf body) {
        FallocateIn in = FallocateIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE);
        fs.fallocate(exchange, new FallocateRequest(exchange.nodeid(), in.fh(), in.offset(), in.length(),
                new FallocateMode(in.mode())));
        exchange.replyEmpty();
    }

    void lseek(Exchange exchange, ByteBuf body) {
        LseekIn in = LseekIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE + LseekOut.SIZE);
        Whence whence = Whence.of(in.whence());
        exchange.reply(new LseekOut(fs.lseek(exchange, exchange.nodeid(), in.fh(), in.offset(), whence)));
    }

    void copyFileRange(Exchange exchange, ByteBuf body, boolean wide) {
        CopyFileRangeIn in = CopyFileRangeIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE + 8);
        long length = wide ? in.len() : Math.min(in.len(), 0xffff_ffffL);
        long copied = fs.copyFileRange(exchange, new CopyFileRangeRequest(exchange.nodeid(), in.fhIn(), in.offIn(),
                in.nodeidOut(), in.fhOut(), in.offOut(), length, in.flags()));
        if (copied < 0 || copied > length) {
            throw new IllegalStateException("copy_file_range of " + length + " bytes returned " + copied);
        }
        exchange.reply(wide ? new CopyFileRangeOut(copied) : new WriteOut((int) copied));
    }

    void bmap(Exchange exchange, ByteBuf body) {
        BmapIn in = BmapIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE + BmapOut.SIZE);
        exchange.reply(new BmapOut(fs.bmap(exchange, exchange.nodeid(), in.blocksize(), in.block())));
    }

    void ioctl(Exchange exchange, ByteBuf body) {
        IoctlIn in = IoctlIn.decode(body, exchange.format());
        if ((in.flags() & IoctlRequest.UNRESTRICTED) != 0) {
            throw new ErrnoException(Errno.ENOSYS, "unrestricted ioctls are not supported");
        }
        exchange.limits().checkData("ioctl in_size", in.inSize());
        exchange.limits().checkData("ioctl out_size", in.outSize());
        // Only the reply's fixed part is required now: a file system may answer with less than
        // out_size, or fail; an answer that then does not fit is an error reply (FuseServer).
        exchange.requireSpace(OutHeader.SIZE + IoctlOut.SIZE);
        IoctlReply reply = fs.ioctl(exchange, new IoctlRequest(exchange.nodeid(), in.fh(), in.flags(), in.cmd(), in.arg(),
                in.inSize(), in.outSize()), in.data());
        if (Integer.compareUnsigned(reply.outputLength(), in.outSize()) > 0) {
            throw new IllegalStateException("ioctl answered " + reply.outputLength() + " bytes; the caller accepts "
                    + in.outSize());
        }
        exchange.reply(new IoctlOut(reply.result(), 0, 0, 0, reply.output()));
    }

    void poll(Exchange exchange, ByteBuf body) {
        PollIn in = PollIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE + PollOut.SIZE);
        PollEvents revents = fs.poll(exchange, new PollRequest(exchange.nodeid(), in.fh(), in.kh(), in.flags(),
                PollEvents.of(in.events())));
        exchange.reply(new PollOut(revents.bits()));
    }

    void getlk(Exchange exchange, ByteBuf body) {
        LkIn in = LkIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE + LkOut.SIZE);
        LockRequest request = new LockRequest(exchange.nodeid(), in.fh(), in.owner(), in.lock(), in.lkFlags(), false);
        exchange.reply(new LkOut(fs.getlk(exchange, request)));
    }

    void setlk(Exchange exchange, ByteBuf body, boolean sleep) {
        LkIn in = LkIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE);
        fs.setlk(exchange, new LockRequest(exchange.nodeid(), in.fh(), in.owner(), in.lock(), in.lkFlags(), sleep));
        exchange.replyEmpty();
    }
}
