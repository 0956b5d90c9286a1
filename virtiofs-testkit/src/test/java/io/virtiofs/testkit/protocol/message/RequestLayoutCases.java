package io.virtiofs.testkit.protocol.message;

import static io.virtiofs.testkit.protocol.message.LayoutCase.other;
import static io.virtiofs.testkit.protocol.message.LayoutCase.request;

import io.netty.buffer.Unpooled;
import io.virtiofs.api.FileLock;
import io.virtiofs.api.SetattrRequest;
import io.virtiofs.api.SymlinkTarget;
import io.virtiofs.protocol.InHeader;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.message.AccessIn;
import io.virtiofs.protocol.message.BatchForgetIn;
import io.virtiofs.protocol.message.BmapIn;
import io.virtiofs.protocol.message.CopyFileRangeIn;
import io.virtiofs.protocol.message.CreateIn;
import io.virtiofs.protocol.message.FallocateIn;
import io.virtiofs.protocol.message.FlushIn;
import io.virtiofs.protocol.message.ForgetIn;
import io.virtiofs.protocol.message.ForgetOne;
import io.virtiofs.protocol.message.FsyncIn;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.message.GetxattrIn;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.message.InterruptIn;
import io.virtiofs.protocol.message.IoctlIn;
import io.virtiofs.protocol.message.LinkIn;
import io.virtiofs.protocol.message.ListxattrIn;
import io.virtiofs.protocol.message.LkIn;
import io.virtiofs.protocol.message.LseekIn;
import io.virtiofs.protocol.message.MkdirIn;
import io.virtiofs.protocol.message.MknodIn;
import io.virtiofs.protocol.message.NameIn;
import io.virtiofs.protocol.message.NotifyReplyIn;
import io.virtiofs.protocol.message.OpenIn;
import io.virtiofs.protocol.message.PollIn;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.protocol.message.ReleaseIn;
import io.virtiofs.protocol.message.RemovemappingIn;
import io.virtiofs.protocol.message.RemovemappingOne;
import io.virtiofs.protocol.message.RemovexattrIn;
import io.virtiofs.protocol.message.Rename2In;
import io.virtiofs.protocol.message.RenameIn;
import io.virtiofs.protocol.message.SetattrIn;
import io.virtiofs.protocol.message.SetupmappingIn;
import io.virtiofs.protocol.message.SetxattrIn;
import io.virtiofs.protocol.message.StatxIn;
import io.virtiofs.protocol.message.SymlinkIn;
import io.virtiofs.protocol.message.SyncfsIn;
import io.virtiofs.protocol.message.TmpfileIn;
import io.virtiofs.protocol.message.WriteIn;
import io.virtiofs.testkit.wire.Requests;
import java.util.List;

/** The headers' and requests' layouts of {@code fuse_layout.c}, mapped to our records. */
final class RequestLayoutCases {

    private RequestLayoutCases() {
    }

    static List<LayoutCase> all() {
        return List.of(
                other("in_header", "", l -> new InHeader(l.i("len"), l.i("opcode"), l.l("unique"), l.l("nodeid"),
                                l.i("uid"), l.i("gid"), l.i("pid"), l.i("total_extlen")),
                        (v, out, f) -> Requests.encode((InHeader) v, out, f.order()), (in, f) -> InHeader.decode(in,
                                f.order())),
                other("out_header", "", l -> new OutHeader(l.i("len"), l.i("error"), l.l("unique")),
                        (v, out, f) -> ((OutHeader) v).encode(out, f.order()),
                        (in, f) -> OutHeader.decode(in, f.order())),
                request("init_in", Opcode.INIT, l -> new InitIn(l.i("major"), l.i("minor"), l.i("max_readahead"),
                        l.u("flags") | l.u("flags2") << 32)),
                request("lookup", Opcode.LOOKUP, l -> new NameIn(l.fileName("name"))),
                request("forget_in", Opcode.FORGET, l -> new ForgetIn(l.l("nlookup"))),
                request("batch_forget", Opcode.BATCH_FORGET, l -> new BatchForgetIn(List.of(
                        new ForgetOne(l.l("one[0].nodeid"), l.l("one[0].nlookup")),
                        new ForgetOne(l.l("one[1].nodeid"), l.l("one[1].nlookup"))))),
                request("getattr_in", Opcode.GETATTR, l -> new GetattrIn(l.i("getattr_flags"), l.l("fh"))),
                request("setattr_in", Opcode.SETATTR, l -> new SetattrIn(new SetattrRequest(l.i("valid"), l.l("fh"),
                        l.l("size"), l.l("lock_owner"), l.l("atime"), l.i("atimensec"), l.l("mtime"),
                        l.i("mtimensec"), l.l("ctime"), l.i("ctimensec"), l.i("mode"), l.i("uid"), l.i("gid")))),
                request("symlink", Opcode.SYMLINK, l -> new SymlinkIn(l.fileName("name"),
                        SymlinkTarget.of(l.raw("target")))),
                request("mknod", Opcode.MKNOD, l -> new MknodIn(l.i("in.mode"), l.i("in.rdev"), l.i("in.umask"),
                        l.fileName("name"))),
                request("mkdir", Opcode.MKDIR, l -> new MkdirIn(l.i("in.mode"), l.i("in.umask"), l.fileName("name"))),
                request("rename", Opcode.RENAME, l -> new RenameIn(l.l("in.newdir"), l.fileName("oldname"),
                        l.fileName("newname"))),
                request("rename2", Opcode.RENAME2, l -> new Rename2In(l.l("in.newdir"), l.i("in.flags"),
                        l.fileName("oldname"), l.fileName("newname"))),
                request("link", Opcode.LINK, l -> new LinkIn(l.l("in.oldnodeid"), l.fileName("name"))),
                request("open_in", Opcode.OPEN, l -> new OpenIn(l.i("flags"), l.i("open_flags"))),
                request("create", Opcode.CREATE, l -> new CreateIn(l.i("in.flags"), l.i("in.mode"), l.i("in.umask"),
                        l.i("in.open_flags"), l.fileName("name"))),
                request("tmpfile", Opcode.TMPFILE, l -> new TmpfileIn(l.i("in.flags"), l.i("in.mode"),
                        l.i("in.umask"), l.i("in.open_flags"))),
                request("read_in", Opcode.READ, l -> new ReadIn(l.l("fh"), l.l("offset"), l.i("size"),
                        l.i("read_flags"), l.l("lock_owner"), l.i("flags"))),
                request("write", Opcode.WRITE, l -> new WriteIn(l.l("in.fh"), l.l("in.offset"), l.i("in.size"),
                        l.i("in.write_flags"), l.l("in.lock_owner"), l.i("in.flags"),
                        Unpooled.wrappedBuffer(l.raw("data")))),
                request("release_in", Opcode.RELEASE, l -> new ReleaseIn(l.l("fh"), l.i("flags"),
                        l.i("release_flags"), l.l("lock_owner"))),
                request("fsync_in", Opcode.FSYNC, l -> new FsyncIn(l.l("fh"), l.i("fsync_flags"))),
                request("setxattr", Opcode.SETXATTR, l -> new SetxattrIn(l.i("in.size"), l.i("in.flags"),
                        l.i("in.setxattr_flags"), l.string("name"), l.raw("value"))),
                request("getxattr", Opcode.GETXATTR, l -> new GetxattrIn(l.i("in.size"), l.string("name"))),
                request("listxattr", Opcode.LISTXATTR, l -> new ListxattrIn(l.i("size"))),
                request("removexattr", Opcode.REMOVEXATTR, l -> new RemovexattrIn(l.string("name"))),
                request("flush_in", Opcode.FLUSH, l -> new FlushIn(l.l("fh"), l.l("lock_owner"))),
                request("lk_in", Opcode.SETLK, l -> new LkIn(l.l("fh"), l.l("owner"), new FileLock(l.l("lk.start"),
                        l.l("lk.end"), l.i("lk.type"), l.i("lk.pid")), l.i("lk_flags"))),
                request("access_in", Opcode.ACCESS, l -> new AccessIn(l.i("mask"))),
                request("interrupt_in", Opcode.INTERRUPT, l -> new InterruptIn(l.l("unique"))),
                request("bmap_in", Opcode.BMAP, l -> new BmapIn(l.l("block"), l.i("blocksize"))),
                request("ioctl", Opcode.IOCTL, l -> new IoctlIn(l.l("in.fh"), l.i("in.flags"), l.i("in.cmd"),
                        l.l("in.arg"), l.i("in.in_size"), l.i("in.out_size"), Unpooled.wrappedBuffer(l.raw("data")))),
                request("poll_in", Opcode.POLL, l -> new PollIn(l.l("fh"), l.l("kh"), l.i("flags"), l.i("events"))),
                request("notify_reply", Opcode.NOTIFY_REPLY, l -> new NotifyReplyIn(l.l("in.offset"), l.i("in.size"),
                        Unpooled.wrappedBuffer(l.raw("data")))),
                request("fallocate_in", Opcode.FALLOCATE, l -> new FallocateIn(l.l("fh"), l.l("offset"),
                        l.l("length"), l.i("mode"))),
                request("lseek_in", Opcode.LSEEK, l -> new LseekIn(l.l("fh"), l.l("offset"), l.i("whence"))),
                request("copy_file_range_in", Opcode.COPY_FILE_RANGE, l -> new CopyFileRangeIn(l.l("fh_in"),
                        l.l("off_in"), l.l("nodeid_out"), l.l("fh_out"), l.l("off_out"), l.l("len"), l.l("flags"))),
                request("setupmapping_in", Opcode.SETUPMAPPING, l -> new SetupmappingIn(l.l("fh"), l.l("foffset"),
                        l.l("len"), l.l("flags"), l.l("moffset"))),
                request("removemapping", Opcode.REMOVEMAPPING, l -> new RemovemappingIn(List.of(
                        new RemovemappingOne(l.l("one[0].moffset"), l.l("one[0].len")),
                        new RemovemappingOne(l.l("one[1].moffset"), l.l("one[1].len"))))),
                request("syncfs_in", Opcode.SYNCFS, l -> SyncfsIn.INSTANCE),
                request("statx_in", Opcode.STATX, l -> new StatxIn(l.i("getattr_flags"), l.l("fh"), l.i("sx_flags"),
                        l.i("sx_mask"))));
    }
}
