package io.virtiofs.passthrough;

import io.virtiofs.api.Attr;
import io.virtiofs.api.AttrReply;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Statx;
import io.virtiofs.transport.internal.nativeio.StatxBuffer;
import java.time.Duration;

/**
 * Host attributes as the guest sees them: owners translated to guest ids, the device number in
 * FUSE's encoding, the submount flag on a node that sits on another host mount than the shared
 * directory's root, and the cache policy's timeouts.
 */
final class Attributes {

    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;

    private final IdTranslation uids;
    private final IdTranslation gids;
    private final Duration timeout;
    private final boolean announceSubmounts;
    private final long rootMountId;

    Attributes(IdTranslation uids, IdTranslation gids, Duration timeout, boolean announceSubmounts, long rootMountId) {
        this.uids = uids;
        this.gids = gids;
        this.timeout = timeout;
        this.announceSubmounts = announceSubmounts;
        this.rootMountId = rootMountId;
    }

    /** How long the guest may keep names and attributes. */
    Duration timeout() {
        return timeout;
    }

    /** The attributes in {@code st}. */
    Attr attr(StatxBuffer st) {
        boolean submount = announceSubmounts && (st.mask() & StatxBuffer.STATX_MNT_ID) != 0
                && st.mountId() != rootMountId && (st.mode() & S_IFMT) == S_IFDIR;
        return new Attr(st.ino(), st.size(), st.blocks(), st.atimeSec(), st.atimeNsec(), st.mtimeSec(), st.mtimeNsec(),
                st.ctimeSec(), st.ctimeNsec(), st.mode(), st.nlink(), uids.toGuest(st.uid()), gids.toGuest(st.gid()),
                encodeDevice(st.rdevMajor(), st.rdevMinor()), st.blksize(), submount ? Attr.FLAG_SUBMOUNT : 0);
    }

    /** An attribute reply from {@code st}. */
    AttrReply reply(StatxBuffer st) {
        return new AttrReply(attr(st), timeout);
    }

    /** The entry of {@code node}, whose attributes are in {@code st}. */
    Entry entry(Node node, StatxBuffer st) {
        return Entry.of(node.nodeid, attr(st), timeout);
    }

    /** The statx reply fields in {@code st}. */
    Statx statx(StatxBuffer st) {
        int mask = st.mask() & (Statx.STATX_BASIC_STATS | Statx.STATX_BTIME);
        boolean btime = (mask & Statx.STATX_BTIME) != 0;
        return new Statx(mask, st.blksize(), st.attributes(), st.nlink(), uids.toGuest(st.uid()),
                gids.toGuest(st.gid()), st.mode(), st.ino(), st.size(), st.blocks(), st.attributesMask(),
                st.atimeSec(), st.atimeNsec(), btime ? st.btimeSec() : 0, btime ? st.btimeNsec() : 0,
                st.ctimeSec(), st.ctimeNsec(), st.mtimeSec(), st.mtimeNsec(), st.rdevMajor(), st.rdevMinor(),
                st.devMajor(), st.devMinor());
    }

    /** A device number as {@code fuse_attr.rdev} carries it (the kernel's {@code new_encode_dev}). */
    static int encodeDevice(int major, int minor) {
        return (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12);
    }

    /** {@code makedev} of a device number in FUSE's encoding (the kernel's {@code new_decode_dev}). */
    static long decodeDevice(int rdev) {
        int major = (rdev & 0xfff00) >>> 8;
        int minor = (rdev & 0xff) | ((rdev >>> 12) & 0xfff00);
        return StatxBuffer.makedev(major, minor);
    }
}
