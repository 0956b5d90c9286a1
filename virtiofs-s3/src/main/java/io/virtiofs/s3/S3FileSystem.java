package io.virtiofs.s3;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.AsyncFileSystem;
import io.virtiofs.api.Attr;
import io.virtiofs.api.AttrReply;
import io.virtiofs.api.Capability;
import io.virtiofs.api.Context;
import io.virtiofs.api.CreateReply;
import io.virtiofs.api.DirectoryPlusSink;
import io.virtiofs.api.DirectorySink;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FallocateRequest;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileType;
import io.virtiofs.api.InitConfig;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.OpenReply;
import io.virtiofs.api.ReadRequest;
import io.virtiofs.api.ReleaseRequest;
import io.virtiofs.api.RenameFlags;
import io.virtiofs.api.SetattrRequest;
import io.virtiofs.api.StatFs;
import io.virtiofs.api.SymlinkTarget;
import io.virtiofs.api.WriteRequest;
import io.virtiofs.s3.store.ObjectInfo;
import io.virtiofs.s3.store.ObjectStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A bucket (or a prefix in one) as a file system: the gateway kind of virtio-fs device.
 *
 * <p>Regular files are objects; directories are {@code /}-delimited prefixes, with an empty
 * marker object ({@code dir/}) for one made here. Sizes and times come from the objects. Reads
 * are ranged GETs of whole blocks, kept in a bounded {@link BlockCache}, with read-ahead for a
 * sequential reader. Writes go to a {@link PendingObject} (memory, then a spill file) and are
 * uploaded when the file is flushed ({@code close(2)}, which then reports a failed upload),
 * fsynced, or released; files beyond the part size go up as multipart uploads, their full parts
 * while the writer still writes.
 *
 * <p>What S3 cannot do is refused with the errno a local file system without the feature answers:
 * hard links, symbolic links and device nodes EPERM; xattrs ENOSYS (the driver then answers
 * EOPNOTSUPP); chmod, chown and explicit times EPERM; fallocate EOPNOTSUPP; O_APPEND on an object
 * that has data EOPNOTSUPP; RENAME_EXCHANGE and RENAME_WHITEOUT EINVAL. Locks are the driver's
 * (per client), not across clients.
 *
 * <p>Every store call runs through an {@link ObjectStore} future. The operations a guest makes
 * most and that wait on the store, lookup, getattr, read and opendir, are answered asynchronously
 * ({@link AsyncFileSystem}): the reply goes out from the thread that completes the store call, and
 * no request thread waits meanwhile. The others (writes that load an object first, flush, fsync
 * and release that upload, the name changes) still wait for their futures in one place
 * ({@link Await#get}): they hold a node's monitor across the upload, which orders them against
 * each other. Both ways are bounded by the configured timeout and end with EINTR when the driver
 * interrupts the request.
 */
public final class S3FileSystem implements AsyncFileSystem, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(S3FileSystem.class.getName());
    private static final int FILE_MODE = 0100644;
    private static final int DIR_MODE = 0040755;

    private final S3Config config;
    private final ObjectStore store;
    private final NodeTable nodes = new NodeTable();
    private final BlockCache cache;
    private final Namespace names;
    private final Map<Long, Handle> handles = new ConcurrentHashMap<>();
    private final Listings listings;
    private final AtomicLong nextHandle = new AtomicLong(1);

    public S3FileSystem(ObjectStore store, S3Config config) {
        this.store = store;
        this.config = config;
        this.cache = new BlockCache(store, config.blockSize(), config.cacheBytes());
        this.names = new Namespace(config, store, nodes, cache);
        this.listings = new Listings(config, nodes, names, this::entry, nextHandle);
    }

    public S3Config config() {
        return config;
    }

    @Override
    public void init(InitConfig init) {
        init.want(Capability.DO_READDIRPLUS);
        init.want(Capability.ATOMIC_O_TRUNC);
        init.decline(Capability.WRITEBACK_CACHE);
        init.maxWrite(Math.max(init.maxWrite(), 1 << 20));
    }

    // ------------------------------------------------------------------ attributes

    private Attr attr(Node node) {
        if (node.directory) {
            Instant t = names.started();
            return Attr.builder().ino(node.id).mode(DIR_MODE).nlink(2).size(4096).blocks(8)
                    .atime(t.getEpochSecond(), t.getNano()).mtime(t.getEpochSecond(), t.getNano())
                    .ctime(t.getEpochSecond(), t.getNano()).uid(config.uid()).gid(config.gid())
                    .blksize(config.blockSize()).build();
        }
        long size;
        Instant t;
        long pendingSize = node.pendingSize();
        ObjectInfo info = node.info();
        if (pendingSize >= 0) {
            size = pendingSize;
            t = node.pendingDirty() || info == null ? Instant.ofEpochMilli(node.writtenMillis) : info.lastModified();
        } else {
            size = info == null ? 0 : info.size();
            t = info == null ? names.started() : info.lastModified();
        }
        return Attr.builder().ino(node.id).mode(FILE_MODE).nlink(1).size(size).blocks((size + 511) / 512)
                .atime(t.getEpochSecond(), t.getNano()).mtime(t.getEpochSecond(), t.getNano())
                .ctime(t.getEpochSecond(), t.getNano()).uid(config.uid()).gid(config.gid())
                .blksize(config.blockSize()).build();
    }

    Entry entry(Node node) {
        return new Entry(node.id, 0, attr(node), config.entryTimeout(), config.attrTimeout());
    }

    private Entry counted(Node node) {
        Entry e = entry(node);
        nodes.lookedUp(node);
        return e;
    }

    @Override
    public Entry lookup(Context ctx, long parent, FileName name) {
        String path = names.childPath(nodes.get(parent), name);
        return lookedUp(path, Await.get(names.resolve(path), config.timeout(), ctx, "lookup " + path));
    }

    @Override
    public CompletionStage<Entry> lookupAsync(Context ctx, long parent, FileName name) {
        String path = names.childPath(nodes.get(parent), name);
        return Await.later(names.resolve(path), config.timeout(), ctx, "lookup " + path)
                .thenApply(found -> lookedUp(path, found));
    }

    private Entry lookedUp(String path, Optional<Node> found) {
        if (found.isEmpty()) {
            if (config.entryTimeout().isZero()) {
                throw new ErrnoException(Errno.ENOENT, path + " does not exist");
            }
            return Entry.negative(config.entryTimeout());
        }
        return counted(found.get());
    }

    @Override
    public void forget(long nodeid, long nlookup) {
        nodes.forget(nodeid, nlookup);
    }

    @Override
    public AttrReply getattr(Context ctx, long nodeid) {
        Node node = nodes.get(nodeid);
        if (!node.directory && !names.fresh(node) && node.pendingSize() < 0) {
            refresh(ctx, node);
        }
        return new AttrReply(attr(node), config.attrTimeout());
    }

    @Override
    public CompletionStage<AttrReply> getattrAsync(Context ctx, long nodeid) {
        Node node = nodes.get(nodeid);
        if (!node.directory && !names.fresh(node) && node.pendingSize() < 0) {
            String key = names.key(node);
            return Await.later(store.head(key), config.timeout(), ctx, "HEAD " + key)
                    .thenApply(info -> {
                        refreshed(node, key, info);
                        return new AttrReply(attr(node), config.attrTimeout());
                    });
        }
        return CompletableFuture.completedFuture(new AttrReply(attr(node), config.attrTimeout()));
    }

    /** Asks the store for the file's object again; ENOENT (and the name forgotten) when it is gone. */
    private ObjectInfo refresh(Context ctx, Node node) {
        String key = names.key(node);
        return refreshed(node, key, Await.get(store.head(key), config.timeout(), ctx, "HEAD " + key));
    }

    private ObjectInfo refreshed(Node node, String key, Optional<ObjectInfo> info) {
        if (info.isEmpty()) {
            nodes.removePath(node);
            throw new ErrnoException(Errno.ENOENT, key + " is gone from the store");
        }
        node.info(info.get());
        return info.get();
    }

    @Override
    public AttrReply setattr(Context ctx, long nodeid, SetattrRequest request) {
        Node node = nodes.get(nodeid);
        if (request.hasMode() && (request.mode() & 07777) != ((node.directory ? DIR_MODE : FILE_MODE) & 07777)) {
            throw new ErrnoException(Errno.EPERM, "S3 objects have no permission bits to change");
        }
        if ((request.hasUid() && request.uid() != config.uid()) || (request.hasGid() && request.gid() != config.gid())) {
            throw new ErrnoException(Errno.EPERM, "S3 objects have no owner to change");
        }
        boolean explicitTime = (request.hasAtime() && !request.atimeNow()) || (request.hasMtime() && !request.mtimeNow());
        if (explicitTime) {
            throw new ErrnoException(Errno.EPERM, "S3 sets an object's time itself; only 'now' can be asked for");
        }
        if (node.directory) {
            if (request.hasSize()) {
                throw new ErrnoException(Errno.EISDIR, node + " is a directory");
            }
            return new AttrReply(attr(node), config.attrTimeout());
        }
        if (request.hasSize()) {
            truncate(ctx, node, request.size(), request.hasFh());
        } else if (request.hasMtime()) {
            touch(ctx, node);
        }
        return new AttrReply(attr(node), config.attrTimeout());
    }

    private void truncate(Context ctx, Node node, long size, boolean throughHandle) {
        synchronized (node) {
            PendingObject pending = pendingFor(ctx, node, size > 0);
            pending.truncate(size);
            node.writtenMillis = System.currentTimeMillis();
            node.pendingChanged();
            if (!throughHandle) {
                try {
                    upload(ctx, node);
                } finally {
                    // truncate(2) by name: uploaded now or failed now (the caller sees which).
                    if (node.opens == 0) {
                        pending.discard();
                        node.pending = null;
                        node.pendingChanged();
                    }
                }
            }
        }
    }

    private void touch(Context ctx, Node node) {
        synchronized (node) {
            if (node.pending != null && node.pending.dirty()) {
                node.writtenMillis = System.currentTimeMillis(); // the upload sets the time
                return;
            }
        }
        String key = names.key(node);
        ObjectInfo touched = Await.get(store.touch(key), config.timeout(), ctx, "touch " + key);
        node.info(new ObjectInfo(key, node.info() != null ? node.info().size() : 0, touched.lastModified(), touched.etag()));
        node.invalidate();
    }

    // ------------------------------------------------------------------ files

    @Override
    public OpenReply open(Context ctx, long nodeid, OpenFlags flags) {
        Node node = nodes.get(nodeid);
        if (node.directory) {
            throw new ErrnoException(Errno.EISDIR, node + " is a directory");
        }
        boolean writable = flags.canWrite();
        ObjectInfo opened;
        synchronized (node) {
            boolean pending = node.pending != null;
            opened = pending || (names.fresh(node) && node.info() != null) ? node.info() : null;
            if (!pending && opened == null) {
                opened = refresh(ctx, node);
            }
            long size = pending ? node.pending.size() : opened.size();
            if (writable && flags.append() && size > 0 && !flags.truncate()) {
                throw new ErrnoException(Errno.EOPNOTSUPP, "O_APPEND to an object that has data would rewrite all of it");
            }
            if (writable && flags.truncate()) {
                pendingFor(ctx, node, false).truncate(0);
                node.writtenMillis = System.currentTimeMillis();
                node.pendingChanged();
            }
            nodes.opened(node);
        }
        long fh = nextHandle.getAndIncrement();
        handles.put(fh, new Handle(node, writable, opened));
        return new OpenReply(fh, config.cache() == S3Config.CacheMode.ALWAYS ? OpenReply.KEEP_CACHE : 0);
    }

    @Override
    public CreateReply create(Context ctx, long parent, FileName name, int mode, OpenFlags flags) {
        String path = names.childPath(nodes.get(parent), name);
        Node node = nodes.obtain(path, false);
        synchronized (node) {
            node.unlinked = false;
            if (node.pending == null) {
                node.pending = new PendingObject(config, store);
            }
            node.pending.truncate(0);
            node.writtenMillis = System.currentTimeMillis();
            node.pendingChanged();
            nodes.opened(node);
        }
        long fh = nextHandle.getAndIncrement();
        handles.put(fh, new Handle(node, true, null));
        return new CreateReply(counted(node), new OpenReply(fh, 0));
    }

    @Override
    public Entry mknod(Context ctx, long parent, FileName name, int mode, int rdev) {
        if (!FileType.REGULAR.matches(mode)) {
            throw new ErrnoException(Errno.EPERM, "S3 holds regular files and directories only");
        }
        String path = names.childPath(nodes.get(parent), name);
        ObjectInfo info = Await.get(store.put(names.key(new Node(0, path, false)), new byte[0]), config.timeout(), ctx,
                "mknod " + path);
        Node node = nodes.obtain(path, false);
        node.info(info);
        return counted(node);
    }

    /** The node's pending data, made (with the object's contents when {@code load}) if there is none. */
    private PendingObject pendingFor(Context ctx, Node node, boolean load) {
        PendingObject pending = node.pending;
        if (pending != null) {
            return pending;
        }
        pending = new PendingObject(config, store);
        ObjectInfo info = node.info();
        if (load && info != null && info.size() > 0) {
            String key = names.key(node);
            long bs = config.blockSize();
            for (long at = 0; at < info.size(); at += bs) {
                byte[] bytes = Await.get(cache.block(key, info.etag(), info.size(), at / bs), config.timeout(), ctx,
                        "GET " + key);
                pending.write(key, at, Unpooled.wrappedBuffer(bytes));
            }
        }
        node.pending = pending;
        node.pendingChanged();
        return pending;
    }

    private Handle handle(long fh) {
        Handle h = handles.get(fh);
        if (h == null) {
            throw new ErrnoException(Errno.EBADF, "no open file " + fh);
        }
        return h;
    }

    @Override
    public void read(Context ctx, ReadRequest request, ByteBuf dst) {
        Blocks blocks = blocks(request, dst);
        if (blocks == null) {
            return;
        }
        for (CompletableFuture<byte[]> block : blocks.futures()) {
            Await.get(block, config.timeout(), ctx, "GET " + blocks.key());
        }
        blocks.copyTo(dst);
    }

    /**
     * {@link #read}, without a thread waiting for the store: blocks already cached are copied at
     * once; otherwise the reply is written by the thread that completes the last GET.
     */
    @Override
    public CompletionStage<Void> readAsync(Context ctx, ReadRequest request, ByteBuf dst) {
        Blocks blocks = blocks(request, dst);
        if (blocks == null || blocks.ready()) {
            if (blocks != null) {
                blocks.copyTo(dst);
            }
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(blocks.futures().toArray(CompletableFuture[]::new));
        return Await.later(all, config.timeout().multipliedBy(blocks.futures().size()), ctx, "GET " + blocks.key())
                .thenRun(() -> blocks.copyTo(dst));
    }

    /** The blocks a read needs: {@code length} bytes from {@code offset} of the object, from block {@code first}. */
    private record Blocks(String key, long offset, int length, long first, long blockSize,
                          List<CompletableFuture<byte[]>> futures) {

        boolean ready() {
            for (CompletableFuture<byte[]> block : futures) {
                if (!block.isDone() || block.isCompletedExceptionally()) {
                    return false;
                }
            }
            return true;
        }

        /** Copies the read's bytes into {@code dst}; every block is complete. */
        void copyTo(ByteBuf dst) {
            int done = 0;
            for (int i = 0; i < futures.size() && done < length; i++) {
                byte[] block = futures.get(i).join();
                int from = (int) (offset + done - (first + i) * blockSize);
                int n = Math.min(length - done, block.length - from);
                if (n <= 0) {
                    break; // the object is shorter than it was when opened
                }
                dst.writeBytes(block, from, n);
                done += n;
            }
        }
    }

    /**
     * The blocks {@code request} reads, their GETs started (and the read-ahead); null when the read
     * is answered already: from the data being written (copied into {@code dst} here), or at or
     * past the end.
     */
    private @Nullable Blocks blocks(ReadRequest request, ByteBuf dst) {
        Handle h = handle(request.fh());
        Node node = h.node;
        synchronized (node) {
            if (node.pending != null) {
                node.pending.read(request.offset(), request.size(), dst);
                return null;
            }
        }
        ObjectInfo info = h.opened;
        if (info == null || request.offset() >= info.size() || request.size() == 0) {
            return null;
        }
        String key = names.key(node);
        long offset = request.offset();
        int length = (int) Math.min(request.size(), info.size() - offset);
        long bs = config.blockSize();
        long first = offset / bs;
        long last = (offset + length - 1) / bs;
        readAhead(h, key, info, offset, length, first, last);
        List<CompletableFuture<byte[]>> futures = new ArrayList<>((int) (last - first + 1));
        for (long i = first; i <= last; i++) {
            futures.add(cache.block(key, info.etag(), info.size(), i));
        }
        return new Blocks(key, offset, length, first, bs, futures);
    }

    /**
     * A reader that continues near where it stopped gets the blocks ahead of it fetched: when it
     * passes the middle of the window, the next half-window or so in one streamed GET (fewer,
     * larger requests than one per block: a store answers a long range far faster).
     */
    private void readAhead(Handle h, String key, ObjectInfo info, long offset, int length, long first, long last) {
        if (config.readAheadBlocks() == 0) {
            return;
        }
        long bs = config.blockSize();
        long from;
        long to;
        synchronized (h) {
            // The driver has several reads of one file in flight, and they may arrive out of
            // order: a read near where the last one ended still counts as sequential.
            boolean sequential = Math.abs(offset - h.nextOffset) <= 2 * bs;
            h.nextOffset = sequential ? Math.max(h.nextOffset, offset + length) : offset + length;
            if (!sequential) {
                h.readAheadTo = last;
                return;
            }
            if (last + config.readAheadBlocks() / 2 < h.readAheadTo) {
                return;
            }
            from = Math.max(first, h.readAheadTo + 1);
            to = last + config.readAheadBlocks();
            h.readAheadTo = to;
        }
        cache.prefetch(key, info.etag(), info.size(), from, to);
    }

    @Override
    public int write(Context ctx, WriteRequest request, ByteBuf data) {
        Handle h = handle(request.fh());
        if (!h.writable) {
            throw new ErrnoException(Errno.EBADF, "file " + request.fh() + " is not open for writing");
        }
        Node node = h.node;
        int length = data.readableBytes();
        synchronized (node) {
            PendingObject pending = pendingFor(ctx, node, true);
            pending.write(names.key(node), request.offset(), data);
            node.writtenMillis = System.currentTimeMillis();
            node.pendingChanged();
        }
        return length;
    }

    /** Uploads the node's pending data if it changed; the caller holds the node's monitor. */
    private void upload(Context ctx, Node node) {
        PendingObject pending = node.pending;
        if (pending == null || !pending.dirty() || node.unlinked) {
            return;
        }
        String key = names.key(node);
        long parts = 2 + pending.size() / config.partSize() / config.uploadConcurrency();
        try {
            ObjectInfo info = Await.get(pending.upload(key), config.timeout().multipliedBy(parts), ctx, "upload " + key);
            node.info(new ObjectInfo(key, pending.size(), info.lastModified(), info.etag()));
            cache.invalidate(key);
        } finally {
            node.pendingChanged();
        }
    }

    /** close(2): the upload happens here, so that close reports its failure. */
    @Override
    public void flush(Context ctx, long nodeid, long fh, long lockOwner) {
        Handle h = handle(fh);
        if (h.writable) {
            synchronized (h.node) {
                upload(ctx, h.node);
            }
        }
    }

    @Override
    public void fsync(Context ctx, long nodeid, long fh, boolean datasync) {
        Handle h = handle(fh);
        synchronized (h.node) {
            upload(ctx, h.node);
        }
    }

    /**
     * The last close: FUSE_RELEASE has no caller to report to, so a failed upload here (after a
     * flush that failed too) keeps the data in the spill directory's {@code unsaved/} and logs it.
     */
    @Override
    public void release(Context ctx, ReleaseRequest request) {
        Handle h = handles.remove(request.fh());
        if (h == null) {
            return;
        }
        Node node = h.node;
        synchronized (node) {
            ErrnoException failed = null;
            if (h.writable) {
                try {
                    upload(ctx, node);
                } catch (ErrnoException e) {
                    failed = e;
                }
            }
            if (nodes.closed(node) && node.pending != null) {
                if (node.pending.dirty() && !node.unlinked) {
                    keepUnsaved(node, failed);
                } else {
                    node.pending.discard();
                }
                node.pending = null;
                node.pendingChanged();
            }
        }
    }

    /** The last close could not upload: the data goes to {@code <spill>/unsaved/}, and the log says where. */
    private void keepUnsaved(Node node, @Nullable ErrnoException failure) {
        String key = names.key(node);
        String why = failure != null ? failure.getMessage() : "no flush uploaded it";
        try {
            Path kept = node.pending.preserve(config.spillDirectory().resolve("unsaved"), key);
            LOG.log(System.Logger.Level.ERROR, "the upload of " + key + " failed at its last close (" + why
                    + "); its data is kept in " + kept);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "the upload of " + key + " failed at its last close (" + why
                    + ") and its data could not be kept in " + config.spillDirectory().resolve("unsaved"), e);
        }
    }

    @Override
    public void fallocate(Context ctx, FallocateRequest request) {
        throw new ErrnoException(Errno.EOPNOTSUPP, "S3 objects cannot be preallocated");
    }

    // ------------------------------------------------------------------ names

    @Override
    public Entry mkdir(Context ctx, long parent, FileName name, int mode) {
        return counted(names.mkdir(ctx, names.childPath(nodes.get(parent), name)));
    }

    @Override
    public void unlink(Context ctx, long parent, FileName name) {
        names.unlink(ctx, names.childPath(nodes.get(parent), name));
    }

    @Override
    public void rmdir(Context ctx, long parent, FileName name) {
        names.rmdir(ctx, names.childPath(nodes.get(parent), name));
    }

    @Override
    public void rename(Context ctx, long parent, FileName name, long newParent, FileName newName, RenameFlags flags) {
        if (flags.exchange() || flags.whiteout() || flags.hasUnknownBits()) {
            throw new ErrnoException(Errno.EINVAL, "S3 cannot exchange names or leave whiteouts");
        }
        names.rename(ctx, names.childPath(nodes.get(parent), name), names.childPath(nodes.get(newParent), newName),
                flags.noReplace());
    }

    @Override
    public Entry link(Context ctx, long nodeid, long newParent, FileName newName) {
        throw new ErrnoException(Errno.EPERM, "S3 has no hard links");
    }

    @Override
    public Entry symlink(Context ctx, long parent, FileName name, SymlinkTarget target) {
        throw new ErrnoException(Errno.EPERM, "S3 has no symbolic links");
    }

    // ------------------------------------------------------------------ directories

    @Override
    public OpenReply opendir(Context ctx, long nodeid, OpenFlags flags) {
        return OpenReply.of(listings.open(ctx, nodes.get(nodeid)));
    }

    @Override
    public CompletionStage<OpenReply> opendirAsync(Context ctx, long nodeid, OpenFlags flags) {
        return listings.openLater(ctx, nodes.get(nodeid)).thenApply(OpenReply::of);
    }

    @Override
    public void readdir(Context ctx, long nodeid, long fh, long offset, DirectorySink sink) {
        listings.readdir(nodes.get(nodeid), fh, offset, sink);
    }

    @Override
    public void readdirplus(Context ctx, long nodeid, long fh, long offset, DirectoryPlusSink sink) {
        listings.readdirplus(nodes.get(nodeid), fh, offset, sink);
    }

    @Override
    public void releasedir(Context ctx, ReleaseRequest request) {
        listings.close(request.fh());
    }

    @Override
    public void fsyncdir(Context ctx, long nodeid, long fh, boolean datasync) {
        // Directory changes are store calls that finished before their replies.
    }

    @Override
    public StatFs statfs(Context ctx, long nodeid) {
        long blocks = config.capacity() / 4096;
        long files = 1L << 32;
        return new StatFs(blocks, blocks, blocks, files, files, config.blockSize(), FileName.MAX_LENGTH, 4096);
    }

    /** Closes the store client. */
    @Override
    public void close() {
        store.close();
    }

    /** What the gateway holds, for tests and diagnostics. */
    public String describe() {
        return nodes.size() + " nodes, " + handles.size() + " open files, " + cache.cachedBlocks() + " cached blocks";
    }

}
