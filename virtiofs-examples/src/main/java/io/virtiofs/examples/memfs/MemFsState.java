package io.virtiofs.examples.memfs;

import io.virtiofs.api.XattrName;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileType;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.SymlinkTarget;
import io.virtiofs.api.XattrFlags;
import io.virtiofs.protocol.migration.StateFormatException;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * memfs's migration state, format {@value #FORMAT}: every live node under its own nodeid (with
 * its metadata, extended attributes, locks and content), every directory's names with their
 * readdir cookies, every open handle under its own {@code fh}, and the next ids. File content is
 * streamed extent by extent through one buffer (holes are skipped), never held twice.
 *
 * <pre>
 * u64 next nodeid, u64 next fh, u64 nodes
 * per node: u64 nodeid, UTF type, u32 permissions, u32 uid, u32 gid, u32 nlink, u64 lookups,
 *           4 x (i64 seconds, i32 nanoseconds): birth, access, modification, change;
 *           u32 xattrs, then (u32 name length, name bytes, u32 length, bytes) each;
 *           u32 flock locks (u64 owner, u32 type) each, u32 record locks (u64 owner, u32 pid, u32 type, u64 start, u64 end) each;
 *           regular: u8 linkable, u64 size, extents (u64 offset, u32 length, bytes) ending with offset -1;
 *           directory: u64 parent, u64 next cookie, u32 names, then (u64 cookie, u32 length, name bytes, u64 nodeid) each;
 *           symlink: u32 length, target bytes;  device, fifo, socket: u32 rdev
 * u64 handles, then (u64 fh, u64 nodeid, u32 open flags, u8 kill_suidgid) each
 * u32 0x4d454e44 ("MEND")
 * </pre>
 *
 * A restore builds every node first, checks that every name, parent and handle points at a node
 * of the stream, then links them; on any failure it takes back what it built.
 */
final class MemFsState {

    static final String FORMAT = "memfs/1";
    private static final int END = 0x4d454e44;
    private static final int EXTENT = 1 << 20;

    private final MemFsConfig config;
    private final Capacity capacity;
    private final InodeTable inodes;
    private final OpenFiles files;
    /** The restore's one buffer for file content, made at the first extent (not one per file). */
    private @org.jspecify.annotations.Nullable ByteBuf extentBuffer;

    MemFsState(MemFsConfig config, Capacity capacity, InodeTable inodes, OpenFiles files) {
        this.config = config;
        this.capacity = capacity;
        this.inodes = inodes;
        this.files = files;
    }

    // ------------------------------------------------------------------ save

    void save(WritableByteChannel channel) throws IOException {
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024));
        List<Inode> all = new ArrayList<>();
        inodes.forEach(all::add);
        out.writeLong(inodes.nextId());
        out.writeLong(files.nextFh());
        out.writeLong(all.size());
        ByteBuf buffer = Unpooled.buffer(EXTENT, EXTENT);
        for (Inode inode : all) {
            saveInode(out, inode, buffer);
        }
        List<OpenFile> open = new ArrayList<>();
        files.forEach(open::add);
        out.writeLong(open.size());
        for (OpenFile file : open) {
            out.writeLong(file.fh());
            out.writeLong(file.inode().id());
            out.writeInt(file.flags().flags());
            out.writeBoolean(file.flags().killSuidgid());
        }
        out.writeInt(END);
        out.flush();
    }

    private void saveInode(DataOutputStream out, Inode inode, ByteBuf buffer) throws IOException {
        out.writeLong(inode.id());
        out.writeUTF(inode.type().name());
        Map<XattrName, byte[]> xattrs = new java.util.LinkedHashMap<>();
        inode.lockMeta();
        try {
            out.writeInt(inode.permissionsLocked());
            out.writeInt(inode.uidLocked());
            out.writeInt(inode.gidLocked());
            out.writeInt(inode.nlinkLocked());
            out.writeLong(inode.lookupsLocked());
            writeTime(out, inode.btime());
            writeTime(out, inode.atimeLocked());
            writeTime(out, inode.mtimeLocked());
            writeTime(out, inode.ctimeLocked());
            Xattrs x = inode.existingXattrsLocked();
            if (x != null) {
                for (XattrName name : x.names()) {
                    byte[] value = x.get(name);
                    if (value != null) {
                        xattrs.put(name, value);
                    }
                }
            }
        } finally {
            inode.unlockMeta();
        }
        out.writeInt(xattrs.size());
        for (Map.Entry<XattrName, byte[]> xattr : xattrs.entrySet()) {
            byte[] name = xattr.getKey().toBytes();
            out.writeInt(name.length);
            out.write(name);
            out.writeInt(xattr.getValue().length);
            out.write(xattr.getValue());
        }
        LockTable locks = inode.existingLocks();
        Map<Long, Integer> flocks = locks == null ? Map.of() : locks.flockSnapshot();
        List<RecordLocks.RecordLock> records = locks == null ? List.of() : locks.recordSnapshot();
        out.writeInt(flocks.size());
        for (Map.Entry<Long, Integer> held : flocks.entrySet()) {
            out.writeLong(held.getKey());
            out.writeInt(held.getValue());
        }
        out.writeInt(records.size());
        for (RecordLocks.RecordLock held : records) {
            out.writeLong(held.owner());
            out.writeInt(held.pid());
            out.writeInt(held.type());
            out.writeLong(held.start());
            out.writeLong(held.end());
        }
        switch (inode) {
            case FileInode file -> saveFile(out, file, buffer);
            case DirectoryInode dir -> saveDirectory(out, dir);
            case SymlinkInode link -> {
                byte[] target = link.target().toBytes();
                out.writeInt(target.length);
                out.write(target);
            }
            case SpecialInode special -> out.writeInt(special.rdev());
        }
    }

    private static void writeTime(DataOutputStream out, Instant time) throws IOException {
        out.writeLong(time.getEpochSecond());
        out.writeInt(time.getNano());
    }

    private static void saveFile(DataOutputStream out, FileInode file, ByteBuf buffer) throws IOException {
        file.lockMeta();
        boolean linkable;
        try {
            linkable = file.linkableLocked();
        } finally {
            file.unlockMeta();
        }
        FileData data = file.data();
        long size = data.size();
        out.writeBoolean(linkable);
        out.writeLong(size);
        long offset = 0;
        while (offset < size) {
            long start;
            long end;
            try {
                start = data.seekData(offset);
                end = data.seekHole(start);
            } catch (ErrnoException noMoreData) {
                break; // ENXIO: only holes follow
            }
            for (long at = start; at < end; ) {
                int length = (int) Math.min(EXTENT, end - at);
                buffer.clear();
                int read = data.read(at, length, buffer);
                if (read <= 0) {
                    break;
                }
                out.writeLong(at);
                out.writeInt(read);
                buffer.readBytes(out, read);
                at += read;
            }
            offset = end;
        }
        out.writeLong(-1);
    }

    private static void saveDirectory(DataOutputStream out, DirectoryInode dir) throws IOException {
        List<DirectoryEntries.DirEntry> names = new ArrayList<>();
        long nextCookie;
        dir.readLock().lock();
        try {
            dir.entriesLocked().forEach(names::add);
            nextCookie = dir.nextCookieLocked();
        } finally {
            dir.readLock().unlock();
        }
        out.writeLong(dir.parent().id());
        out.writeLong(nextCookie);
        out.writeInt(names.size());
        for (DirectoryEntries.DirEntry entry : names) {
            out.writeLong(entry.cookie());
            byte[] name = entry.name().toBytes();
            out.writeInt(name.length);
            out.write(name);
            out.writeLong(entry.inode().id());
        }
    }

    // ------------------------------------------------------------------ restore

    /** A node read from the stream, with what links it to others, linked after all were read. */
    private record Pending(Inode inode, Metadata metadata, long parent, long nextCookie, List<Name> names,
                           Map<Long, Integer> flocks, List<RecordLocks.RecordLock> records) {
    }

    private record Metadata(int permissions, int uid, int gid, int nlink, Instant atime, Instant mtime, Instant ctime,
                            Map<XattrName, byte[]> xattrs) {
    }

    private record Name(long cookie, FileName name, long nodeid) {
    }

    private record Handle(long fh, long nodeid, OpenFlags flags) {
    }

    void restore(ReadableByteChannel channel) throws IOException {
        requireFresh();
        DataInputStream in = new DataInputStream(Channels.newInputStream(channel));
        List<Inode> built = new ArrayList<>();
        try {
            long nextNodeid = in.readLong();
            long nextFh = in.readLong();
            long count = in.readLong();
            if (count < 1) {
                throw new StateFormatException("memfs state with " + count + " nodes (the root at least is expected)");
            }
            Map<Long, Pending> pending = new HashMap<>();
            for (long i = 0; i < count; i++) {
                Pending node = readInode(in, built);
                if (pending.putIfAbsent(node.inode().id(), node) != null) {
                    throw new StateFormatException("node " + node.inode().id() + " comes twice");
                }
            }
            long handles = in.readLong();
            if (handles < 0) {
                throw new StateFormatException("a negative handle count " + handles);
            }
            List<Handle> open = new ArrayList<>();
            for (long i = 0; i < handles; i++) {
                long fh = in.readLong();
                long nodeid = in.readLong();
                int flags = in.readInt();
                boolean kill = in.readBoolean();
                if (fh < 1 || fh >= nextFh || !pending.containsKey(nodeid)) {
                    throw new StateFormatException("handle " + fh + " on node " + nodeid + " does not fit the state");
                }
                open.add(new Handle(fh, nodeid, new OpenFlags(flags, kill)));
            }
            if (in.readInt() != END) {
                throw new StateFormatException("memfs state does not end with its end mark");
            }
            if (in.read() >= 0) {
                throw new StateFormatException("bytes are left over after the memfs state");
            }
            check(pending, nextNodeid);
            link(pending, open, nextNodeid, nextFh);
        } catch (EOFException e) {
            undo(built);
            throw new StateFormatException("the memfs state is cut short", e);
        } catch (IOException | RuntimeException e) {
            undo(built);
            if (e instanceof ErrnoException errno) {
                throw new StateFormatException("this memfs cannot hold the migrated one (" + errno.getMessage()
                        + "): start it with the source's --capacity and limits", e);
            }
            if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
                throw new StateFormatException("the memfs state is inconsistent: " + e.getMessage(), e);
            }
            throw e;
        }
    }

    private void requireFresh() throws StateFormatException {
        int[] live = {0};
        inodes.forEach(inode -> live[0]++);
        int[] open = {0};
        files.forEach(file -> open[0]++);
        DirectoryInode root = inodes.root();
        boolean empty;
        root.readLock().lock();
        try {
            empty = root.isEmptyLocked();
        } finally {
            root.readLock().unlock();
        }
        if (live[0] != 1 || open[0] != 0 || !empty) {
            throw new StateFormatException("memfs takes a migrated state only while empty; this one holds "
                    + live[0] + " nodes and " + open[0] + " open handles");
        }
    }

    private Pending readInode(DataInputStream in, List<Inode> built) throws IOException {
        long id = in.readLong();
        String typeName = in.readUTF();
        FileType type;
        try {
            type = FileType.valueOf(typeName);
        } catch (IllegalArgumentException e) {
            throw new StateFormatException("node " + id + " has an unknown type " + typeName);
        }
        int permissions = in.readInt();
        int uid = in.readInt();
        int gid = in.readInt();
        int nlink = in.readInt();
        long lookups = in.readLong();
        Instant btime = readTime(in);
        Instant atime = readTime(in);
        Instant mtime = readTime(in);
        Instant ctime = readTime(in);
        Metadata metadata = new Metadata(permissions, uid, gid, nlink, atime, mtime, ctime, readXattrs(in));
        Map<Long, Integer> flocks = new HashMap<>();
        int flockCount = boundedCount(in, "flock locks");
        for (int i = 0; i < flockCount; i++) {
            long owner = in.readLong();
            int lockType = in.readInt();
            if (lockType != io.virtiofs.api.FileLock.F_RDLCK && lockType != io.virtiofs.api.FileLock.F_WRLCK) {
                throw new StateFormatException("node " + id + ": flock of type " + lockType);
            }
            flocks.put(owner, lockType);
        }
        List<RecordLocks.RecordLock> records = new ArrayList<>();
        int recordCount = boundedCount(in, "record locks");
        for (int i = 0; i < recordCount; i++) {
            records.add(new RecordLocks.RecordLock(in.readLong(), in.readInt(), in.readInt(), in.readLong(), in.readLong()));
        }
        InodeInit init = new InodeInit(uid, gid, permissions, nlink, lookups, btime);
        if (id == io.virtiofs.api.FileSystem.ROOT_ID) {
            if (type != FileType.DIRECTORY) {
                throw new StateFormatException("the root is a " + type);
            }
            return readDirectory(in, inodes.root(), metadata, flocks, records);
        }
        if (id < 1) {
            throw new StateFormatException("nodeid " + id);
        }
        Inode inode = switch (type) {
            case REGULAR -> {
                boolean linkable = in.readBoolean();
                FileInode file = new FileInode(id, config, init, capacity, linkable);
                inodes.restore(file);
                built.add(file);
                readFile(in, file);
                yield file;
            }
            case DIRECTORY -> new DirectoryInode(id, config, init, null);
            case SYMLINK -> {
                int length = boundedCount(in, "symlink bytes");
                byte[] target = new byte[length];
                in.readFully(target);
                yield new SymlinkInode(id, config, init, SymlinkTarget.ofOwned(target));
            }
            default -> new SpecialInode(id, type, config, init, in.readInt());
        };
        if (!(inode instanceof FileInode)) {
            inodes.restore(inode);
            built.add(inode);
        }
        if (inode instanceof DirectoryInode dir) {
            return readDirectory(in, dir, metadata, flocks, records);
        }
        return new Pending(inode, metadata, 0, 0, List.of(), flocks, records);
    }

    private static Map<XattrName, byte[]> readXattrs(DataInputStream in) throws IOException {
        Map<XattrName, byte[]> xattrs = new java.util.LinkedHashMap<>();
        int count = boundedCount(in, "xattrs");
        for (int i = 0; i < count; i++) {
            int nameLength = boundedCount(in, "xattr name bytes");
            if (nameLength == 0 || nameLength > 255) {
                throw new StateFormatException("an xattr name of " + nameLength + " bytes");
            }
            byte[] nameBytes = new byte[nameLength];
            in.readFully(nameBytes);
            XattrName name;
            try {
                name = XattrName.ofOwned(nameBytes);
            } catch (IllegalArgumentException e) {
                throw new StateFormatException("an xattr name the file system cannot hold: " + e.getMessage());
            }
            int length = boundedCount(in, "xattr bytes");
            if (length > Xattrs.SIZE_MAX) {
                throw new StateFormatException("xattr " + name + " of " + length + " bytes");
            }
            byte[] value = new byte[length];
            in.readFully(value);
            xattrs.put(name, value);
        }
        return xattrs;
    }

    private static Instant readTime(DataInputStream in) throws IOException {
        long seconds = in.readLong();
        int nanos = in.readInt();
        if (nanos < 0 || nanos > 999_999_999) {
            throw new StateFormatException("a time with " + nanos + " nanoseconds");
        }
        return Instant.ofEpochSecond(seconds, nanos);
    }

    private static int boundedCount(DataInputStream in, String what) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > 1 << 24) {
            throw new StateFormatException(Integer.toUnsignedString(count) + " " + what + " is not a believable count");
        }
        return count;
    }

    private void readFile(DataInputStream in, FileInode file) throws IOException {
        long size = in.readLong();
        if (size < 0 || size > config.maxFileSize()) {
            throw new StateFormatException("file " + file.id() + " of " + size + " bytes");
        }
        ByteBuf buffer = extentBuffer;
        long last = 0;
        while (true) {
            long offset = in.readLong();
            if (offset == -1) {
                break;
            }
            int length = in.readInt();
            if (offset < last || length < 1 || length > EXTENT || offset + length > size) {
                throw new StateFormatException("file " + file.id() + ": extent " + offset + "+" + length
                        + " does not fit its " + size + " bytes");
            }
            if (buffer == null) {
                buffer = Unpooled.buffer(EXTENT, EXTENT);
                extentBuffer = buffer;
            }
            buffer.clear();
            while (buffer.readableBytes() < length) {
                if (buffer.writeBytes((InputStream) in, length - buffer.readableBytes()) < 0) {
                    throw new EOFException();
                }
            }
            int written = file.data().write(offset, false, buffer, config.maxFileSize());
            if (written != length) {
                throw new ErrnoException(io.virtiofs.api.Errno.ENOSPC, "file " + file.id() + " did not fit");
            }
            last = offset + length;
        }
        if (file.data().size() != size) {
            file.data().truncate(size);
        }
    }

    private static Pending readDirectory(DataInputStream in, DirectoryInode dir, Metadata metadata,
                                         Map<Long, Integer> flocks, List<RecordLocks.RecordLock> records)
            throws IOException {
        long parent = in.readLong();
        long nextCookie = in.readLong();
        int count = boundedCount(in, "names");
        List<Name> names = new ArrayList<>(Math.min(count, 4096));
        for (int i = 0; i < count; i++) {
            long cookie = in.readLong();
            int length = boundedCount(in, "name bytes");
            if (length < 1 || length > 1024) {
                throw new StateFormatException("a name of " + length + " bytes in directory " + dir.id());
            }
            byte[] name = new byte[length];
            in.readFully(name);
            names.add(new Name(cookie, FileName.ofOwned(name), in.readLong()));
        }
        return new Pending(dir, metadata, parent, nextCookie, names, flocks, records);
    }

    /** Every name, parent and handle must point at a node of the stream, before anything is linked. */
    private static void check(Map<Long, Pending> pending, long nextNodeid) throws StateFormatException {
        if (!pending.containsKey(io.virtiofs.api.FileSystem.ROOT_ID)) {
            throw new StateFormatException("the memfs state has no root");
        }
        for (Pending node : pending.values()) {
            if (node.inode().id() >= nextNodeid) {
                throw new StateFormatException("node " + node.inode().id() + " is beyond the next nodeid " + nextNodeid);
            }
            long previous = DirectoryEntries.FIRST_COOKIE - 1;
            java.util.Set<FileName> seen = new java.util.HashSet<>();
            for (Name name : node.names()) {
                if (!pending.containsKey(name.nodeid()) || name.cookie() <= previous || name.name().isDotOrDotDot()
                        || !seen.add(name.name())) {
                    throw new StateFormatException("directory " + node.inode().id() + " names " + name.name()
                            + " -> node " + name.nodeid() + " (cookie " + name.cookie() + "), which does not fit the state");
                }
                previous = name.cookie();
            }
            if (node.inode() instanceof DirectoryInode && !(pending.get(node.parent()) instanceof Pending parent
                    && parent.inode() instanceof DirectoryInode)) {
                throw new StateFormatException("directory " + node.inode().id() + " has no directory " + node.parent()
                        + " for a parent");
            }
        }
    }

    private void link(Map<Long, Pending> pending, List<Handle> open, long nextNodeid, long nextFh) {
        for (Pending node : pending.values()) {
            Inode inode = node.inode();
            Metadata m = node.metadata();
            inode.lockMeta();
            try {
                if (inode.id() == io.virtiofs.api.FileSystem.ROOT_ID) {
                    inode.setPermissionsLocked(m.permissions());
                    inode.setOwnerLocked(m.uid(), m.gid());
                    inode.setNlinkLocked(m.nlink());
                }
                for (Map.Entry<XattrName, byte[]> xattr : m.xattrs().entrySet()) {
                    inode.xattrsLocked().set(xattr.getKey(), xattr.getValue(), XattrFlags.NONE);
                }
                inode.setAtimeLocked(m.atime());
                inode.setMtimeLocked(m.mtime());
                inode.setCtimeLocked(m.ctime());
            } finally {
                inode.unlockMeta();
            }
            if (inode instanceof DirectoryInode dir) {
                dir.writeLock().lock();
                try {
                    for (Name name : node.names()) {
                        dir.restoreEntryLocked(name.name(), pending.get(name.nodeid()).inode(), name.cookie());
                    }
                    dir.advanceCookieLocked(node.nextCookie());
                    if (inode.id() != io.virtiofs.api.FileSystem.ROOT_ID) {
                        dir.setParent((DirectoryInode) pending.get(node.parent()).inode());
                    }
                    if (m.nlink() == 0 && node.names().isEmpty()) {
                        dir.markRemovedLocked();
                    }
                } finally {
                    dir.writeLock().unlock();
                }
            }
            if (!node.flocks().isEmpty() || !node.records().isEmpty()) {
                LockTable locks = inode.locks();
                node.flocks().forEach(locks::restoreFlock);
                node.records().forEach(locks::restoreRecord);
            }
        }
        for (Handle handle : open) {
            files.restore(handle.fh(), pending.get(handle.nodeid()).inode(), handle.flags());
        }
        files.advanceTo(nextFh);
        inodes.advanceTo(nextNodeid);
        for (Pending node : pending.values()) {
            node.inode().publishInitial();
        }
    }

    /** Takes back the nodes built from a stream that failed. */
    private void undo(List<Inode> built) {
        for (Inode inode : built) {
            inodes.unrestore(inode);
        }
    }
}
