package io.virtiofs.testkit.protocol.message;

import static io.virtiofs.testkit.protocol.message.LayoutCase.notification;
import static io.virtiofs.testkit.protocol.message.LayoutCase.other;
import static io.virtiofs.testkit.protocol.message.LayoutCase.reply;

import io.netty.buffer.Unpooled;
import io.virtiofs.api.Attr;
import io.virtiofs.api.Entry;
import io.virtiofs.api.FileLock;
import io.virtiofs.api.SecurityLabel;
import io.virtiofs.api.StatFs;
import io.virtiofs.api.Statx;
import io.virtiofs.protocol.NotifyCode;
import io.virtiofs.protocol.message.AttrOut;
import io.virtiofs.protocol.message.BmapOut;
import io.virtiofs.protocol.message.CopyFileRangeOut;
import io.virtiofs.protocol.message.CreateOut;
import io.virtiofs.protocol.message.Dirent;
import io.virtiofs.protocol.message.DirentWriter;
import io.virtiofs.protocol.message.Direntplus;
import io.virtiofs.protocol.message.DirentplusOut;
import io.virtiofs.protocol.message.DirentsOut;
import io.virtiofs.protocol.message.EntryOut;
import io.virtiofs.protocol.message.GetxattrOut;
import io.virtiofs.protocol.message.InitOut;
import io.virtiofs.protocol.message.IoctlOut;
import io.virtiofs.protocol.message.LkOut;
import io.virtiofs.protocol.message.LseekOut;
import io.virtiofs.protocol.message.NotifyDeleteOut;
import io.virtiofs.protocol.message.NotifyInvalEntryOut;
import io.virtiofs.protocol.message.NotifyInvalInodeOut;
import io.virtiofs.protocol.message.NotifyPollOut;
import io.virtiofs.protocol.message.NotifyPruneOut;
import io.virtiofs.protocol.message.NotifyRetrieveOut;
import io.virtiofs.protocol.message.NotifyStoreOut;
import io.virtiofs.protocol.message.OpenOut;
import io.virtiofs.protocol.message.PollOut;
import io.virtiofs.protocol.message.RequestExtensions;
import io.virtiofs.protocol.message.StatfsOut;
import io.virtiofs.protocol.message.StatxOut;
import io.virtiofs.protocol.message.WriteOut;
import io.virtiofs.testkit.wire.Replies;
import io.virtiofs.testkit.wire.Requests;
import java.time.Duration;
import java.util.List;

/** The replies', notifications' and extensions' layouts of {@code fuse_layout.c}, mapped to our records. */
final class ReplyLayoutCases {

    private ReplyLayoutCases() {
    }

    static Attr attr(Layout l, String p) {
        return new Attr(l.l(p + "ino"), l.l(p + "size"), l.l(p + "blocks"), l.l(p + "atime"), l.i(p + "atimensec"),
                l.l(p + "mtime"), l.i(p + "mtimensec"), l.l(p + "ctime"), l.i(p + "ctimensec"), l.i(p + "mode"),
                l.i(p + "nlink"), l.i(p + "uid"), l.i(p + "gid"), l.i(p + "rdev"), l.i(p + "blksize"),
                l.i(p + "flags"));
    }

    static EntryOut entry(Layout l, String p) {
        return new EntryOut(l.l(p + "nodeid"), l.l(p + "generation"), l.l(p + "entry_valid"), l.l(p + "attr_valid"),
                l.i(p + "entry_valid_nsec"), l.i(p + "attr_valid_nsec"), attr(l, p + "attr."));
    }

    private static Statx statx(Layout l, String p) {
        return new Statx(l.i(p + "mask"), l.i(p + "blksize"), l.l(p + "attributes"), l.i(p + "nlink"),
                l.i(p + "uid"), l.i(p + "gid"), l.i(p + "mode"), l.l(p + "ino"), l.l(p + "size"), l.l(p + "blocks"),
                l.l(p + "attributes_mask"), l.l(p + "atime.tv_sec"), l.i(p + "atime.tv_nsec"),
                l.l(p + "btime.tv_sec"), l.i(p + "btime.tv_nsec"), l.l(p + "ctime.tv_sec"), l.i(p + "ctime.tv_nsec"),
                l.l(p + "mtime.tv_sec"), l.i(p + "mtime.tv_nsec"), l.i(p + "rdev_major"), l.i(p + "rdev_minor"),
                l.i(p + "dev_major"), l.i(p + "dev_minor"));
    }

    private static FileLock lock(Layout l) {
        return new FileLock(l.l("lk.start"), l.l("lk.end"), l.i("lk.type"), l.i("lk.pid"));
    }

    private static DirentsOut dirents(Layout l) {
        return new DirentsOut(List.of(new Dirent(l.l("ino"), l.l("off"), l.i("type"), l.fileName("name"))));
    }

    private static DirentplusOut direntplus(Layout l) {
        return new DirentplusOut(List.of(new Direntplus(entry(l, "entry_out."), new Dirent(l.l("dirent.ino"),
                l.l("dirent.off"), l.i("dirent.type"), l.fileName("name")))));
    }

    /** The API entry a file system would answer with, for the direntplus writer. */
    private static Entry apiEntry(EntryOut e) {
        return new Entry(e.nodeid(), e.generation(), e.attr(), Duration.ofSeconds(e.entryValid(), e.entryValidNsec()),
                Duration.ofSeconds(e.attrValid(), e.attrValidNsec()));
    }

    private static SecurityLabel label(Layout l) {
        return new SecurityLabel(l.string("secctx.name"), l.raw("secctx.context"));
    }

    private static int[] groups(Layout l) {
        return new int[] {l.i("supp_groups.groups[0]"), l.i("supp_groups.groups[1]")};
    }

    static List<LayoutCase> all() {
        return List.of(
                reply("init_out", l -> new InitOut(l.i("major"), l.i("minor"), l.i("max_readahead"),
                        l.u("flags") | l.u("flags2") << 32, l.i("max_background"), l.i("congestion_threshold"),
                        l.i("max_write"), l.i("time_gran"), l.i("max_pages"), l.i("map_alignment"),
                        l.i("max_stack_depth"), l.i("request_timeout")), Replies::initOut),
                reply("entry_out", l -> entry(l, ""), Replies::entryOut),
                other("entry_out", "EntryOut.encodeEntry", l -> entry(l, ""),
                        (v, out, f) -> EntryOut.encodeEntry(out, f, apiEntry((EntryOut) v)), Replies::entryOut),
                reply("attr_out", l -> new AttrOut(l.l("attr_valid"), l.i("attr_valid_nsec"), attr(l, "attr.")),
                        Replies::attrOut),
                reply("open_out", l -> new OpenOut(l.l("fh"), l.i("open_flags"), l.i("backing_id")), Replies::openOut),
                reply("create_out", l -> new CreateOut(entry(l, "entry."), new OpenOut(l.l("open.fh"),
                        l.i("open.open_flags"), l.i("open.backing_id"))), Replies::createOut),
                reply("write_out", l -> new WriteOut(l.i("size")), Replies::writeOut),
                reply("statfs_out", l -> new StatfsOut(new StatFs(l.l("st.blocks"), l.l("st.bfree"), l.l("st.bavail"),
                        l.l("st.files"), l.l("st.ffree"), l.i("st.bsize"), l.i("st.namelen"), l.i("st.frsize"))),
                        Replies::statfsOut),
                reply("getxattr_out", l -> new GetxattrOut(l.i("size")), Replies::getxattrOut),
                reply("lk_out", l -> new LkOut(lock(l)), Replies::lkOut),
                reply("bmap_out", l -> new BmapOut(l.l("block")), Replies::bmapOut),
                reply("ioctl_out", l -> new IoctlOut(l.i("out.result"), l.i("out.flags"), l.i("out.in_iovs"),
                        l.i("out.out_iovs"), l.raw("data")), Replies::ioctlOut),
                reply("poll_out", l -> new PollOut(l.i("revents")), Replies::pollOut),
                reply("lseek_out", l -> new LseekOut(l.l("offset")), Replies::lseekOut),
                reply("copy_file_range_out", l -> new CopyFileRangeOut(l.l("bytes_copied")),
                        Replies::copyFileRangeOut),
                reply("statx_out", l -> new StatxOut(l.l("attr_valid"), l.i("attr_valid_nsec"), l.i("flags"),
                        statx(l, "stat.")), Replies::statxOut),
                reply("dirent", ReplyLayoutCases::dirents, Replies::direntsOut),
                other("dirent", "DirentWriter", ReplyLayoutCases::dirents, (v, out, f) -> {
                    Dirent d = ((DirentsOut) v).dirents().get(0);
                    if (!DirentWriter.writeDirent(out, f, d.ino(), d.off(), d.type(), d.name())) {
                        throw new AssertionError("writeDirent found no room in an unbounded buffer");
                    }
                }, Replies::direntsOut),
                reply("direntplus", ReplyLayoutCases::direntplus, Replies::direntplusOut),
                other("direntplus", "DirentWriter", ReplyLayoutCases::direntplus, (v, out, f) -> {
                    Direntplus d = ((DirentplusOut) v).entries().get(0);
                    if (!DirentWriter.writeDirentplus(out, f, apiEntry(d.entry()), d.dirent().off(), d.dirent().name())) {
                        throw new AssertionError("writeDirentplus found no room in an unbounded buffer");
                    }
                }, Replies::direntplusOut),
                notification("notify_poll", NotifyCode.POLL, l -> new NotifyPollOut(l.l("kh"))),
                notification("notify_inval_inode", NotifyCode.INVAL_INODE, l -> new NotifyInvalInodeOut(l.l("ino"),
                        l.l("off"), l.l("len"))),
                notification("notify_inval_entry", NotifyCode.INVAL_ENTRY, l -> new NotifyInvalEntryOut(
                        l.l("out.parent"), l.i("out.flags"), l.fileName("name"))),
                notification("notify_store", NotifyCode.STORE, l -> new NotifyStoreOut(l.l("out.nodeid"),
                        l.l("out.offset"), Unpooled.wrappedBuffer(l.raw("data")))),
                notification("notify_retrieve", NotifyCode.RETRIEVE, l -> new NotifyRetrieveOut(l.l("notify_unique"),
                        l.l("nodeid"), l.l("offset"), l.i("size"))),
                notification("notify_delete", NotifyCode.DELETE, l -> new NotifyDeleteOut(l.l("out.parent"),
                        l.l("out.child"), l.fileName("name"))),
                notification("notify_prune", NotifyCode.PRUNE, l -> new NotifyPruneOut(new long[] {l.l("nodeid[0]"),
                        l.l("nodeid[1]")})),
                extensions("ext_secctx", l -> new RequestExtensions(List.of(label(l)), new int[0])),
                extensions("ext_groups", l -> new RequestExtensions(List.of(), groups(l))),
                extensions("ext_both", l -> new RequestExtensions(List.of(label(l)), groups(l))));
    }

    private static LayoutCase extensions(String layout, java.util.function.Function<Layout, Object> build) {
        return other(layout, "", build, (v, out, f) -> Requests.encode((RequestExtensions) v, out, f),
                RequestExtensions::decode);
    }
}
