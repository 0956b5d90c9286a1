package io.virtiofs.testkit.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.FileName;
import io.virtiofs.api.SecurityLabel;
import io.virtiofs.api.XattrName;
import io.virtiofs.protocol.InHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.*;
import java.nio.charset.StandardCharsets;

/**
 * The driver's side of FUSE requests: writes a request as a Linux driver sends it, in either byte
 * order and at the struct sizes of the session's minor version. The protocol decodes requests and
 * encodes replies (the server's side); this is the other half, for the in-process guest, tests and
 * benchmarks. {@link Replies} reads what the server answers.
 */
public final class Requests {

    private Requests() {
    }

    /** The request in a new heap buffer, which the caller releases. */
    public static ByteBuf encode(FuseMessage message, WireFormat format) {
        ByteBuf out = Unpooled.buffer();
        encode(message, out, format);
        return out;
    }

    /**
     * Writes a whole request: {@code fuse_in_header} with {@code len} and {@code total_extlen}
     * computed from what is written (the message's own are ignored), the body, the extensions.
     */
    public static void encode(FuseMessage message, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        RequestExtensions extensions = message.extensions();
        int extensionsLength = encodedSize(extensions);
        int start = out.writerIndex();
        InHeader header = message.header();
        encode(new InHeader(0, header.opcode(), header.unique(), header.nodeid(), header.uid(), header.gid(),
                header.pid(), extensionsLength / 8), out, order);
        encode(message.body(), out, format);
        encode(extensions, out, format);
        order.setInt(out, start, out.writerIndex() - start);
    }

    /** Writes {@code struct fuse_in_header} as it is. */
    public static void encode(InHeader header, ByteBuf out, WireOrder order) {
        order.writeInt(out, header.len());
        order.writeInt(out, header.opcode());
        order.writeLong(out, header.unique());
        order.writeLong(out, header.nodeid());
        order.writeInt(out, header.uid());
        order.writeInt(out, header.gid());
        order.writeInt(out, header.pid());
        order.writeShort(out, header.totalExtlen());
        order.writeShort(out, 0); // padding
    }

    /** Writes a request body in {@code format}. */
    public static void encode(FuseRequest body, ByteBuf out, WireFormat format) {
        switch (body) {
            case AccessIn in -> accessIn(in, out, format);
            case BatchForgetIn in -> batchForgetIn(in, out, format);
            case BmapIn in -> bmapIn(in, out, format);
            case CopyFileRangeIn in -> copyFileRangeIn(in, out, format);
            case CreateIn in -> createIn(in, out, format);
            case EmptyIn in -> {
            }
            case FallocateIn in -> fallocateIn(in, out, format);
            case FlushIn in -> flushIn(in, out, format);
            case ForgetIn in -> forgetIn(in, out, format);
            case FsyncIn in -> fsyncIn(in, out, format);
            case GetattrIn in -> getattrIn(in, out, format);
            case GetxattrIn in -> getxattrIn(in, out, format);
            case InitIn in -> initIn(in, out, format);
            case InterruptIn in -> interruptIn(in, out, format);
            case IoctlIn in -> ioctlIn(in, out, format);
            case LinkIn in -> linkIn(in, out, format);
            case LkIn in -> lkIn(in, out, format);
            case ListxattrIn in -> listxattrIn(in, out, format);
            case LseekIn in -> lseekIn(in, out, format);
            case MkdirIn in -> mkdirIn(in, out, format);
            case MknodIn in -> mknodIn(in, out, format);
            case NameIn in -> nameIn(in, out, format);
            case NotifyReplyIn in -> notifyReplyIn(in, out, format);
            case OpenIn in -> openIn(in, out, format);
            case PollIn in -> pollIn(in, out, format);
            case ReadIn in -> readIn(in, out, format);
            case ReleaseIn in -> releaseIn(in, out, format);
            case RemovemappingIn in -> removemappingIn(in, out, format);
            case RemovexattrIn in -> removexattrIn(in, out, format);
            case Rename2In in -> rename2In(in, out, format);
            case RenameIn in -> renameIn(in, out, format);
            case SetattrIn in -> setattrIn(in, out, format);
            case SetupmappingIn in -> setupmappingIn(in, out, format);
            case SetxattrIn in -> setxattrIn(in, out, format);
            case StatxIn in -> statxIn(in, out, format);
            case SymlinkIn in -> symlinkIn(in, out, format);
            case SyncfsIn in -> syncfsIn(in, out, format);
            case TmpfileIn in -> tmpfileIn(in, out, format);
            case WriteIn in -> writeIn(in, out, format);
        }
    }

    private static void accessIn(AccessIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeInt(out, in.mask());
        order.writeInt(out, 0);
    }

    private static void batchForgetIn(BatchForgetIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeInt(out, in.forgets().size());
        order.writeInt(out, 0);
        for (ForgetOne forget : in.forgets()) {
            forgetOne(forget, out, order);
        }
    }

    private static void bmapIn(BmapIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, in.block());
        order.writeInt(out, in.blocksize());
        order.writeInt(out, 0);
    }

    private static void copyFileRangeIn(CopyFileRangeIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, in.fhIn());
        order.writeLong(out, in.offIn());
        order.writeLong(out, in.nodeidOut());
        order.writeLong(out, in.fhOut());
        order.writeLong(out, in.offOut());
        order.writeLong(out, in.len());
        order.writeLong(out, in.flags());
    }

    private static void createIn(CreateIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeInt(out, in.flags());
        order.writeInt(out, in.mode());
        if (CreateIn.size(format) == CreateIn.SIZE) {
            order.writeInt(out, in.umask());
            order.writeInt(out, in.openFlags());
        }
        writeFileName(out, in.name());
    }

    private static void fallocateIn(FallocateIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, in.fh());
        order.writeLong(out, in.offset());
        order.writeLong(out, in.length());
        order.writeInt(out, in.mode());
        order.writeInt(out, 0);
    }

    private static void flushIn(FlushIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, in.fh());
        order.writeLong(out, 0);
        order.writeLong(out, in.lockOwner());
    }

    private static void forgetIn(ForgetIn in, ByteBuf out, WireFormat format) {
        format.order().writeLong(out, in.nlookup());
    }

    private static void fsyncIn(FsyncIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, in.fh());
        order.writeInt(out, in.fsyncFlags());
        order.writeInt(out, 0);
    }

    private static void getattrIn(GetattrIn in, ByteBuf out, WireFormat format) {
        if (!format.atLeast(9)) {
            return;
        }
        WireOrder order = format.order();
        order.writeInt(out, in.getattrFlags());
        order.writeInt(out, 0);
        order.writeLong(out, in.fh());
    }

    private static void getxattrIn(GetxattrIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeInt(out, in.size());
        order.writeInt(out, 0);
        writeXattrName(out, in.name());
    }

    private static void initIn(InitIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        int size = InitIn.size(in.major(), in.minor());
        order.writeInt(out, in.major());
        order.writeInt(out, in.minor());
        if (size == InitIn.SIZE_BEFORE_6) {
            return;
        }
        order.writeInt(out, in.maxReadahead());
        order.writeInt(out, (int) in.flags());
        if (size == InitIn.SIZE) {
            order.writeInt(out, (int) (in.flags() >>> 32));
            out.writeZero(InitIn.SIZE - 20);
        }
    }

    private static void interruptIn(InterruptIn in, ByteBuf out, WireFormat format) {
        format.order().writeLong(out, in.unique());
    }

    private static void ioctlIn(IoctlIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, in.fh());
        order.writeInt(out, in.flags());
        order.writeInt(out, in.cmd());
        order.writeLong(out, in.arg());
        order.writeInt(out, in.inSize());
        order.writeInt(out, in.outSize());
        out.writeBytes(in.data(), in.data().readerIndex(), in.data().readableBytes());
    }

    private static void linkIn(LinkIn in, ByteBuf out, WireFormat format) {
        format.order().writeLong(out, in.oldNodeid());
        writeFileName(out, in.newName());
    }

    private static void lkIn(LkIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, in.fh());
        order.writeLong(out, in.owner());
        FileLockCodec.encode(out, order, in.lock());
        order.writeInt(out, in.lkFlags());
        order.writeInt(out, 0);
    }

    private static void listxattrIn(ListxattrIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeInt(out, in.size());
        order.writeInt(out, 0);
    }

    private static void lseekIn(LseekIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, in.fh());
        order.writeLong(out, in.offset());
        order.writeInt(out, in.whence());
        order.writeInt(out, 0);
    }

    private static void mkdirIn(MkdirIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeInt(out, in.mode());
        order.writeInt(out, in.umask());
        writeFileName(out, in.name());
    }

    private static void mknodIn(MknodIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeInt(out, in.mode());
        order.writeInt(out, in.rdev());
        if (MknodIn.size(format) == MknodIn.SIZE) {
            order.writeInt(out, in.umask());
            order.writeInt(out, 0);
        }
        writeFileName(out, in.name());
    }

    private static void nameIn(NameIn in, ByteBuf out, WireFormat format) {
        writeFileName(out, in.name());
    }

    private static void notifyReplyIn(NotifyReplyIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, 0);
        order.writeLong(out, in.offset());
        order.writeInt(out, in.size());
        order.writeInt(out, 0);
        order.writeLong(out, 0);
        order.writeLong(out, 0);
        out.writeBytes(in.data(), in.data().readerIndex(), in.data().readableBytes());
    }

    private static void openIn(OpenIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeInt(out, in.flags());
        order.writeInt(out, in.openFlags());
    }

    private static void pollIn(PollIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, in.fh());
        order.writeLong(out, in.kh());
        order.writeInt(out, in.flags());
        order.writeInt(out, in.events());
    }

    private static void readIn(ReadIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, in.fh());
        order.writeLong(out, in.offset());
        order.writeInt(out, in.size());
        order.writeInt(out, in.readFlags());
        if (ReadIn.size(format) == ReadIn.SIZE) {
            order.writeLong(out, in.lockOwner());
            order.writeInt(out, in.flags());
            order.writeInt(out, 0);
        }
    }

    private static void releaseIn(ReleaseIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, in.fh());
        order.writeInt(out, in.flags());
        order.writeInt(out, in.releaseFlags());
        order.writeLong(out, in.lockOwner());
    }

    private static void removemappingIn(RemovemappingIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeInt(out, in.ranges().size());
        for (RemovemappingOne range : in.ranges()) {
            removemappingOne(range, out, order);
        }
    }

    private static void removexattrIn(RemovexattrIn in, ByteBuf out, WireFormat format) {
        writeXattrName(out, in.name());
    }

    private static void rename2In(Rename2In in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, in.newdir());
        order.writeInt(out, in.flags());
        order.writeInt(out, 0);
        writeFileName(out, in.oldName());
        writeFileName(out, in.newName());
    }

    private static void renameIn(RenameIn in, ByteBuf out, WireFormat format) {
        format.order().writeLong(out, in.newdir());
        writeFileName(out, in.oldName());
        writeFileName(out, in.newName());
    }

    private static void setattrIn(SetattrIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeInt(out, in.request().valid());
        order.writeInt(out, 0);
        order.writeLong(out, in.request().fh());
        order.writeLong(out, in.request().size());
        order.writeLong(out, in.request().lockOwner());
        order.writeLong(out, in.request().atime());
        order.writeLong(out, in.request().mtime());
        order.writeLong(out, in.request().ctime());
        order.writeInt(out, in.request().atimeNsec());
        order.writeInt(out, in.request().mtimeNsec());
        order.writeInt(out, in.request().ctimeNsec());
        order.writeInt(out, in.request().mode());
        order.writeInt(out, 0);
        order.writeInt(out, in.request().uid());
        order.writeInt(out, in.request().gid());
        order.writeInt(out, 0);
    }

    private static void setupmappingIn(SetupmappingIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, in.fh());
        order.writeLong(out, in.foffset());
        order.writeLong(out, in.len());
        order.writeLong(out, in.flags());
        order.writeLong(out, in.moffset());
    }

    private static void setxattrIn(SetxattrIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeInt(out, in.size());
        order.writeInt(out, in.flags());
        if (SetxattrIn.size(format) == SetxattrIn.SIZE) {
            order.writeInt(out, in.setxattrFlags());
            order.writeInt(out, 0);
        }
        writeXattrName(out, in.name());
        out.writeBytes(in.value());
    }

    private static void statxIn(StatxIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeInt(out, in.getattrFlags());
        order.writeInt(out, 0);
        order.writeLong(out, in.fh());
        order.writeInt(out, in.sxFlags());
        order.writeInt(out, in.sxMask());
    }

    private static void symlinkIn(SymlinkIn in, ByteBuf out, WireFormat format) {
        writeFileName(out, in.name());
        in.target().writeTo(out);
        out.writeByte(0);
    }

    private static void syncfsIn(SyncfsIn in, ByteBuf out, WireFormat format) {
        out.writeZero(SyncfsIn.SIZE);
    }

    private static void tmpfileIn(TmpfileIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeInt(out, in.flags());
        order.writeInt(out, in.mode());
        order.writeInt(out, in.umask());
        order.writeInt(out, in.openFlags());
        out.writeByte('/');
        out.writeByte(0);
    }

    private static void writeIn(WriteIn in, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, in.fh());
        order.writeLong(out, in.offset());
        order.writeInt(out, in.size());
        order.writeInt(out, in.writeFlags());
        if (WriteIn.size(format) == WriteIn.SIZE) {
            order.writeLong(out, in.lockOwner());
            order.writeInt(out, in.flags());
            order.writeInt(out, 0);
        }
        out.writeBytes(in.data(), in.data().readerIndex(), in.data().readableBytes());
    }

    private static void forgetOne(ForgetOne one, ByteBuf out, WireOrder order) {
        order.writeLong(out, one.nodeid());
        order.writeLong(out, one.nlookup());
    }

    private static void removemappingOne(RemovemappingOne one, ByteBuf out, WireOrder order) {
        order.writeLong(out, one.moffset());
        order.writeLong(out, one.len());
    }

    /** The number of bytes {@link #encode(RequestExtensions, ByteBuf, WireFormat)} writes: a multiple of 8. */
    public static int encodedSize(RequestExtensions extensions) {
        int size = 0;
        if (!extensions.securityLabels().isEmpty()) {
            size += RequestExtensions.HEADER_SIZE;
            for (SecurityLabel label : extensions.securityLabels()) {
                size += secctxSize(label);
            }
        }
        int groups = extensions.supplementaryGroupCount();
        if (groups > 0) {
            size += groupsSize(groups);
        }
        return size;
    }

    /** Writes request extensions: the security context first, then the groups, as Linux does. */
    public static void encode(RequestExtensions extensions, ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        if (!extensions.securityLabels().isEmpty()) {
            int size = RequestExtensions.HEADER_SIZE;
            for (SecurityLabel label : extensions.securityLabels()) {
                size += secctxSize(label);
            }
            order.writeInt(out, size);
            order.writeInt(out, extensions.securityLabels().size());
            for (SecurityLabel label : extensions.securityLabels()) {
                byte[] name = label.name().toBytes();
                byte[] value = label.value();
                order.writeInt(out, value.length);
                order.writeInt(out, 0);
                out.writeBytes(name);
                out.writeByte(0);
                out.writeBytes(value);
                out.writeZero(secctxSize(label) - (RequestExtensions.SECCTX_SIZE + name.length + 1 + value.length));
            }
        }
        int groups = extensions.supplementaryGroupCount();
        if (groups > 0) {
            int size = groupsSize(groups);
            order.writeInt(out, size);
            order.writeInt(out, RequestExtensions.EXT_GROUPS);
            order.writeInt(out, groups);
            for (int i = 0; i < groups; i++) {
                order.writeInt(out, extensions.supplementaryGroup(i));
            }
            out.writeZero(size - (RequestExtensions.HEADER_SIZE + 4 + 4 * groups));
        }
    }

    private static int secctxSize(SecurityLabel label) {
        return align8(RequestExtensions.SECCTX_SIZE + label.name().length() + 1
                + label.value().length);
    }

    private static int groupsSize(int count) {
        return align8(RequestExtensions.HEADER_SIZE + 4 + 4 * count);
    }

    private static int align8(int size) {
        return (size + 7) & ~7;
    }

    private static void writeFileName(ByteBuf out, FileName name) {
        name.writeTo(out);
        out.writeByte(0);
    }

    private static void writeXattrName(ByteBuf out, XattrName name) {
        name.writeTo(out);
        out.writeByte(0);
    }
}
