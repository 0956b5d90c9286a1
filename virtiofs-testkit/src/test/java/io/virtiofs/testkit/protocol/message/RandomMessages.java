package io.virtiofs.testkit.protocol.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Attr;
import io.virtiofs.api.FileLock;
import io.virtiofs.api.FileName;
import io.virtiofs.api.SecurityLabel;
import io.virtiofs.api.SetattrRequest;
import io.virtiofs.api.StatFs;
import io.virtiofs.api.Statx;
import io.virtiofs.api.SymlinkTarget;
import io.virtiofs.protocol.InitFlag;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.message.AccessIn;
import io.virtiofs.protocol.message.AttrOut;
import io.virtiofs.protocol.message.BatchForgetIn;
import io.virtiofs.protocol.message.BmapIn;
import io.virtiofs.protocol.message.BmapOut;
import io.virtiofs.protocol.message.CopyFileRangeIn;
import io.virtiofs.protocol.message.CopyFileRangeOut;
import io.virtiofs.protocol.message.CreateIn;
import io.virtiofs.protocol.message.CreateOut;
import io.virtiofs.protocol.message.DataOut;
import io.virtiofs.protocol.message.Dirent;
import io.virtiofs.protocol.message.Direntplus;
import io.virtiofs.protocol.message.DirentplusOut;
import io.virtiofs.protocol.message.DirentsOut;
import io.virtiofs.protocol.message.EmptyIn;
import io.virtiofs.protocol.message.EntryOut;
import io.virtiofs.protocol.message.FallocateIn;
import io.virtiofs.protocol.message.FlushIn;
import io.virtiofs.protocol.message.ForgetIn;
import io.virtiofs.protocol.message.ForgetOne;
import io.virtiofs.protocol.message.FsyncIn;
import io.virtiofs.protocol.message.FuseNotification;
import io.virtiofs.protocol.message.FuseReply;
import io.virtiofs.protocol.message.FuseRequest;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.message.GetxattrIn;
import io.virtiofs.protocol.message.GetxattrOut;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.message.InitOut;
import io.virtiofs.protocol.message.InterruptIn;
import io.virtiofs.protocol.message.IoctlIn;
import io.virtiofs.protocol.message.IoctlOut;
import io.virtiofs.protocol.message.LinkIn;
import io.virtiofs.protocol.message.ListxattrIn;
import io.virtiofs.protocol.message.LkIn;
import io.virtiofs.protocol.message.LkOut;
import io.virtiofs.protocol.message.LseekIn;
import io.virtiofs.protocol.message.LseekOut;
import io.virtiofs.protocol.message.MkdirIn;
import io.virtiofs.protocol.message.MknodIn;
import io.virtiofs.protocol.message.NameIn;
import io.virtiofs.protocol.message.NotifyDeleteOut;
import io.virtiofs.protocol.message.NotifyIncEpochOut;
import io.virtiofs.protocol.message.NotifyInvalEntryOut;
import io.virtiofs.protocol.message.NotifyInvalInodeOut;
import io.virtiofs.protocol.message.NotifyPollOut;
import io.virtiofs.protocol.message.NotifyPruneOut;
import io.virtiofs.protocol.message.NotifyReplyIn;
import io.virtiofs.protocol.message.NotifyResendOut;
import io.virtiofs.protocol.message.NotifyRetrieveOut;
import io.virtiofs.protocol.message.NotifyStoreOut;
import io.virtiofs.protocol.message.OpenIn;
import io.virtiofs.protocol.message.OpenOut;
import io.virtiofs.protocol.message.PollIn;
import io.virtiofs.protocol.message.PollOut;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.protocol.message.ReleaseIn;
import io.virtiofs.protocol.message.RemovemappingIn;
import io.virtiofs.protocol.message.RemovemappingOne;
import io.virtiofs.protocol.message.RemovexattrIn;
import io.virtiofs.protocol.message.Rename2In;
import io.virtiofs.protocol.message.RenameIn;
import io.virtiofs.protocol.message.RequestExtensions;
import io.virtiofs.protocol.message.SetattrIn;
import io.virtiofs.protocol.message.SetupmappingIn;
import io.virtiofs.protocol.message.SetxattrIn;
import io.virtiofs.protocol.message.StatfsOut;
import io.virtiofs.protocol.message.StatxIn;
import io.virtiofs.protocol.message.StatxOut;
import io.virtiofs.protocol.message.SymlinkIn;
import io.virtiofs.protocol.message.SyncfsIn;
import io.virtiofs.protocol.message.TmpfileIn;
import io.virtiofs.protocol.message.WriteIn;
import io.virtiofs.protocol.message.WriteOut;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random requests, replies and extensions that a session of a given {@link WireFormat} can carry:
 * fields the format's layouts do not have are 0, so a round trip must give the value back.
 */
public final class RandomMessages {

    private final SplittableRandom random;

    public RandomMessages(SplittableRandom random) {
        this.random = random;
    }

    public long anyLong() {
        return switch (random.nextInt(6)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> Long.MAX_VALUE;
            case 3 -> random.nextLong(1 << 20);
            default -> random.nextLong();
        };
    }

    public int anyInt() {
        return switch (random.nextInt(6)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> Integer.MAX_VALUE;
            case 3 -> random.nextInt(1 << 12);
            default -> random.nextInt();
        };
    }

    private int u16() {
        return random.nextInt(0x10000);
    }

    private int nsec() {
        return random.nextInt(1_000_000_000);
    }

    private long nonNegative() {
        return random.nextBoolean() ? random.nextLong(1 << 30) : random.nextLong(Long.MAX_VALUE);
    }

    /** Mostly short, sometimes up to {@code max}. */
    private int length(int min, int max) {
        return random.nextInt(4) == 0 ? random.nextInt(min, max + 1) : random.nextInt(min, Math.min(max, min + 16) + 1);
    }

    byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    ByteBuf data(int maxLength) {
        return Unpooled.wrappedBuffer(bytes(length(0, maxLength)));
    }

    FileName fileName() {
        byte[] name = new byte[length(1, FileName.MAX_LENGTH)];
        for (int i = 0; i < name.length; i++) {
            byte b;
            do {
                b = (byte) random.nextInt(256);
            } while (b == 0 || b == '/');
            name[i] = b;
        }
        return FileName.ofOwned(name);
    }

    SymlinkTarget target() {
        byte[] target = new byte[length(1, SymlinkTarget.MAX_LENGTH)];
        for (int i = 0; i < target.length; i++) {
            target[i] = (byte) random.nextInt(1, 256);
        }
        return SymlinkTarget.ofOwned(target);
    }

    /** An xattr name: ASCII, or with some multi-byte UTF-8; 1..255 bytes. */
    String xattrName() {
        StringBuilder name = new StringBuilder(random.nextBoolean() ? "user." : "security.");
        int target = length(name.length() + 1, 250);
        while (name.toString().getBytes(StandardCharsets.UTF_8).length < target) {
            name.appendCodePoint(random.nextInt(8) == 0 ? 0xe4 + random.nextInt(0x100) : random.nextInt(0x21, 0x7f));
        }
        return name.toString();
    }

    FileLock lock() {
        long start = nonNegative();
        long end = random.nextBoolean() ? Long.MAX_VALUE : start + random.nextLong(Long.MAX_VALUE - start);
        return new FileLock(start, end, random.nextInt(3), anyInt());
    }

    Attr attr(WireFormat format) {
        boolean v9 = format.atLeast(9);
        return new Attr(anyLong(), nonNegative(), nonNegative(), anyLong(), nsec(), anyLong(), nsec(), anyLong(),
                nsec(), anyInt(), anyInt(), anyInt(), anyInt(), anyInt(), v9 ? anyInt() : 0, v9 ? anyInt() : 0);
    }

    EntryOut entryOut(WireFormat format) {
        return new EntryOut(anyLong(), anyLong(), anyLong(), anyLong(), anyInt(), anyInt(), attr(format));
    }

    Statx statx() {
        return new Statx(anyInt(), anyInt(), anyLong(), anyInt(), anyInt(), anyInt(), u16(), anyLong(), anyLong(),
                anyLong(), anyLong(), anyLong(), anyInt(), anyLong(), anyInt(), anyLong(), anyInt(), anyLong(),
                anyInt(), anyInt(), anyInt(), anyInt(), anyInt());
    }

    StatFs statFs(WireFormat format) {
        long blocks = nonNegative();
        long files = nonNegative();
        return new StatFs(blocks, random.nextLong(blocks + 1), random.nextLong(blocks + 1), files,
                random.nextLong(files + 1), anyInt(), anyInt(), format.atLeast(4) ? anyInt() : 0);
    }

    public RequestExtensions extensions() {
        List<SecurityLabel> labels = new ArrayList<>();
        int count = random.nextInt(4) == 0 ? random.nextInt(1, 4) : 0;
        for (int i = 0; i < count; i++) {
            labels.add(new SecurityLabel(xattrName(), bytes(length(0, 300))));
        }
        int[] groups = new int[random.nextInt(3) == 0 ? random.nextInt(1, 40) : 0];
        for (int i = 0; i < groups.length; i++) {
            groups[i] = anyInt();
        }
        return new RequestExtensions(labels, groups);
    }

    /** A request body for {@code opcode} that {@code format} can carry. */
    public FuseRequest request(Opcode opcode, WireFormat format) {
        boolean v9 = format.atLeast(9);
        boolean v12 = format.atLeast(12);
        return switch (opcode) {
            case LOOKUP, UNLINK, RMDIR -> new NameIn(fileName());
            case FORGET -> new ForgetIn(anyLong());
            case GETATTR -> v9 ? new GetattrIn(anyInt(), anyLong()) : new GetattrIn(0, 0);
            case SETATTR -> new SetattrIn(new SetattrRequest(anyInt(), anyLong(), anyLong(), anyLong(), anyLong(),
                    anyInt(), anyLong(), anyInt(), anyLong(), anyInt(), anyInt(), anyInt(), anyInt()));
            case READLINK, STATFS, DESTROY -> EmptyIn.INSTANCE;
            case SYMLINK -> new SymlinkIn(fileName(), target());
            case MKNOD -> new MknodIn(anyInt(), anyInt(), v12 ? anyInt() : 0, fileName());
            case MKDIR -> new MkdirIn(anyInt(), anyInt(), fileName());
            case RENAME -> new RenameIn(anyLong(), fileName(), fileName());
            case RENAME2 -> new Rename2In(anyLong(), anyInt(), fileName(), fileName());
            case LINK -> new LinkIn(anyLong(), fileName());
            case OPEN, OPENDIR -> new OpenIn(anyInt(), anyInt());
            case READ, READDIR, READDIRPLUS -> new ReadIn(anyLong(), anyLong(), anyInt(), anyInt(),
                    v9 ? anyLong() : 0, v9 ? anyInt() : 0);
            case WRITE -> {
                ByteBuf data = data(5000);
                yield new WriteIn(anyLong(), anyLong(), data.readableBytes(), anyInt(), v9 ? anyLong() : 0,
                        v9 ? anyInt() : 0, data);
            }
            case RELEASE, RELEASEDIR -> new ReleaseIn(anyLong(), anyInt(), anyInt(), anyLong());
            case FSYNC, FSYNCDIR -> new FsyncIn(anyLong(), anyInt());
            case SETXATTR -> {
                byte[] value = bytes(length(0, random.nextInt(20) == 0 ? SetxattrIn.VALUE_MAX : 300));
                yield new SetxattrIn(value.length, anyInt(), format.setxattrExt() ? anyInt() : 0, xattrName(), value);
            }
            case GETXATTR -> new GetxattrIn(anyInt(), xattrName());
            case LISTXATTR -> new ListxattrIn(anyInt());
            case REMOVEXATTR -> new RemovexattrIn(xattrName());
            case FLUSH -> new FlushIn(anyLong(), anyLong());
            case INIT -> initIn();
            case GETLK, SETLK, SETLKW -> new LkIn(anyLong(), anyLong(), lock(), anyInt());
            case ACCESS -> new AccessIn(anyInt());
            case CREATE -> new CreateIn(anyInt(), anyInt(), v12 ? anyInt() : 0, v12 ? anyInt() : 0, fileName());
            case TMPFILE -> new TmpfileIn(anyInt(), anyInt(), anyInt(), anyInt());
            case INTERRUPT -> new InterruptIn(anyLong());
            case BMAP -> new BmapIn(anyLong(), anyInt());
            case IOCTL -> {
                ByteBuf data = data(300);
                yield new IoctlIn(anyLong(), anyInt(), anyInt(), anyLong(), data.readableBytes(), anyInt(), data);
            }
            case POLL -> new PollIn(anyLong(), anyLong(), anyInt(), anyInt());
            case NOTIFY_REPLY -> {
                ByteBuf data = data(5000);
                yield new NotifyReplyIn(anyLong(), data.readableBytes(), data);
            }
            case BATCH_FORGET -> {
                List<ForgetOne> forgets = new ArrayList<>();
                for (int i = length(0, 200); i > 0; i--) {
                    forgets.add(new ForgetOne(anyLong(), anyLong()));
                }
                yield new BatchForgetIn(forgets);
            }
            case FALLOCATE -> new FallocateIn(anyLong(), anyLong(), anyLong(), anyInt());
            case LSEEK -> new LseekIn(anyLong(), anyLong(), anyInt());
            case COPY_FILE_RANGE, COPY_FILE_RANGE_64 -> new CopyFileRangeIn(anyLong(), anyLong(), anyLong(),
                    anyLong(), anyLong(), anyLong(), anyLong());
            case SETUPMAPPING -> new SetupmappingIn(anyLong(), anyLong(), anyLong(), anyLong(), anyLong());
            case REMOVEMAPPING -> {
                List<RemovemappingOne> ranges = new ArrayList<>();
                for (int i = length(0, RemovemappingIn.MAX_COUNT); i > 0; i--) {
                    ranges.add(new RemovemappingOne(anyLong(), anyLong()));
                }
                yield new RemovemappingIn(ranges);
            }
            case SYNCFS -> SyncfsIn.INSTANCE;
            case STATX -> new StatxIn(anyInt(), anyLong(), anyInt(), anyInt());
        };
    }

    /** An INIT request of a random driver version: what its own minor's struct can hold. */
    private InitIn initIn() {
        int minor = random.nextInt(5, 46);
        if (minor < 6) {
            return new InitIn(7, minor, 0, 0);
        }
        long flags = random.nextLong() & 0xffff_ffffL;
        if (minor >= 36 && random.nextBoolean()) {
            flags |= InitFlag.INIT_EXT.bit() | random.nextLong() & 0xffff_ffff_0000_0000L;
        }
        return new InitIn(7, minor, anyInt(), flags);
    }

    /** An INIT reply for a session of its own random minor. */
    InitOut initOut() {
        int minor = random.nextInt(3, 46);
        if (minor < 5) {
            return new InitOut(7, minor, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        }
        long flags = random.nextLong() & 0xffff_ffffL;
        if (minor < 23) {
            return new InitOut(7, minor, anyInt(), flags, u16(), u16(), anyInt(), 0, 0, 0, 0, 0);
        }
        if (random.nextBoolean()) {
            flags |= InitFlag.INIT_EXT.bit() | random.nextLong() & 0xffff_ffff_0000_0000L;
        }
        return new InitOut(7, minor, anyInt(), flags, u16(), u16(), anyInt(), anyInt(), u16(), u16(), anyInt(), u16());
    }

    /** One reply of every kind, for {@code format}. */
    List<FuseReply> replies(WireFormat format) {
        List<Dirent> dirents = new ArrayList<>();
        List<Direntplus> plus = new ArrayList<>();
        for (int i = length(0, 40); i > 0; i--) {
            dirents.add(new Dirent(anyLong(), anyLong(), anyInt(), fileName()));
            plus.add(new Direntplus(entryOut(format), new Dirent(anyLong(), anyLong(), anyInt(), fileName())));
        }
        return List.of(initOut(), entryOut(format), new AttrOut(anyLong(), anyInt(), attr(format)),
                new OpenOut(anyLong(), anyInt(), anyInt()),
                new CreateOut(entryOut(format), new OpenOut(anyLong(), anyInt(), anyInt())),
                new WriteOut(anyInt()), new StatfsOut(statFs(format)), new GetxattrOut(anyInt()), new LkOut(lock()),
                new BmapOut(anyLong()), new IoctlOut(anyInt(), anyInt(), anyInt(), anyInt(), bytes(length(0, 300))),
                new PollOut(anyInt()), new LseekOut(anyLong()), new StatxOut(anyLong(), anyInt(), anyInt(), statx()),
                new CopyFileRangeOut(anyLong()), new DataOut(data(5000)), new DirentsOut(dirents),
                new DirentplusOut(plus));
    }

    /** One notification of every kind. */
    List<FuseNotification> notifications() {
        long[] nodeids = new long[length(0, 100)];
        for (int i = 0; i < nodeids.length; i++) {
            nodeids[i] = anyLong();
        }
        return List.of(new NotifyPollOut(anyLong()), new NotifyInvalInodeOut(anyLong(), anyLong(), anyLong()),
                new NotifyInvalEntryOut(anyLong(), anyInt(), fileName()),
                new NotifyStoreOut(anyLong(), anyLong(), data(5000)),
                new NotifyRetrieveOut(anyLong(), anyLong(), anyLong(), anyInt()),
                new NotifyDeleteOut(anyLong(), anyLong(), fileName()), NotifyResendOut.INSTANCE,
                NotifyIncEpochOut.INSTANCE, new NotifyPruneOut(nodeids));
    }
}
