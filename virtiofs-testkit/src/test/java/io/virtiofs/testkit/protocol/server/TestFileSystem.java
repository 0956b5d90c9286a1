package io.virtiofs.testkit.protocol.server;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.AccessMask;
import io.virtiofs.api.Attr;
import io.virtiofs.api.AttrReply;
import io.virtiofs.api.Capability;
import io.virtiofs.api.Context;
import io.virtiofs.api.DirectoryPlusSink;
import io.virtiofs.api.DirectorySink;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.FileType;
import io.virtiofs.api.InitConfig;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.OpenReply;
import io.virtiofs.api.ReadRequest;
import io.virtiofs.api.ReleaseRequest;
import io.virtiofs.api.WriteRequest;
import io.virtiofs.api.XattrName;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * A small file system for server tests: a root directory holding regular files with fixed
 * contents, recording the calls that matter to the server (forget, release, destroy).
 */
class TestFileSystem implements FileSystem {

    static final Duration VALID = Duration.ofSeconds(5, 250);

    /** name -> (nodeid, content) */
    final Map<FileName, Long> names = Collections.synchronizedMap(new LinkedHashMap<>());
    final Map<Long, byte[]> contents = new ConcurrentHashMap<>();
    final Map<String, byte[]> xattrs = new ConcurrentHashMap<>();
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile Consumer<InitConfig> onInit = config -> { };
    volatile CountDownLatch readStarted = new CountDownLatch(1);
    volatile boolean blockReads;
    volatile Context lastContext;

    TestFileSystem withFile(String name, long nodeid, String content) {
        names.put(FileName.of(name), nodeid);
        contents.put(nodeid, content.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    static Attr attr(long ino, int mode, long size) {
        return Attr.builder().ino(ino).size(size).blocks((size + 511) / 512).atime(1_700_000_000L, 1)
                .mtime(1_700_000_001L, 2).ctime(1_700_000_002L, 3).mode(mode).nlink(1).uid(1000).gid(100)
                .blksize(4096).build();
    }

    Attr attrOf(long nodeid) {
        if (nodeid == ROOT_ID) {
            return attr(ROOT_ID, 0040755, 4096);
        }
        byte[] content = contents.get(nodeid);
        if (content == null) {
            throw new ErrnoException(Errno.ENOENT, "no node " + nodeid);
        }
        return attr(nodeid, 0100644, content.length);
    }

    @Override
    public void init(InitConfig config) {
        calls.add("init");
        onInit.accept(config);
    }

    @Override
    public void destroy() {
        calls.add("destroy");
    }

    @Override
    public Entry lookup(Context ctx, long parent, FileName name) {
        lastContext = ctx;
        if (parent != ROOT_ID) {
            throw new ErrnoException(Errno.ENOTDIR);
        }
        Long nodeid = names.get(name);
        if (nodeid == null) {
            throw new ErrnoException(Errno.ENOENT);
        }
        return new Entry(nodeid, 7, attrOf(nodeid), VALID, VALID);
    }

    @Override
    public void forget(long nodeid, long nlookup) {
        calls.add("forget " + nodeid + " " + nlookup);
    }

    @Override
    public AttrReply getattr(Context ctx, long nodeid) {
        calls.add("getattr " + nodeid);
        return new AttrReply(attrOf(nodeid), VALID);
    }

    @Override
    public AttrReply fgetattr(Context ctx, long nodeid, long fh) {
        calls.add("fgetattr " + nodeid + " " + fh);
        return new AttrReply(attrOf(nodeid), VALID);
    }

    @Override
    public Entry mkdir(Context ctx, long parent, FileName name, int mode) {
        lastContext = ctx;
        calls.add("mkdir " + name + " " + Integer.toOctalString(mode) + " umask " + Integer.toOctalString(ctx.umask()));
        throw new ErrnoException(Errno.EROFS);
    }

    @Override
    public OpenReply open(Context ctx, long nodeid, OpenFlags flags) {
        calls.add("open " + nodeid + " " + Integer.toOctalString(flags.flags()));
        return new OpenReply(nodeid * 10, OpenReply.KEEP_CACHE);
    }

    @Override
    public void release(Context ctx, ReleaseRequest request) {
        calls.add("release " + request.nodeid() + " " + request.fh());
    }

    @Override
    public void read(Context ctx, ReadRequest request, ByteBuf dst) {
        lastContext = ctx;
        readStarted.countDown();
        if (blockReads) {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!ctx.isCancelled()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("never cancelled");
                }
                Thread.onSpinWait();
            }
            ctx.checkCancelled();
        }
        byte[] content = contents.get(request.nodeid());
        if (content == null) {
            throw new ErrnoException(Errno.ENOENT);
        }
        int start = (int) Math.min(request.offset(), content.length);
        int length = Math.min(request.size(), content.length - start);
        dst.writeBytes(content, start, length);
    }

    @Override
    public int write(Context ctx, WriteRequest request, ByteBuf data) {
        byte[] bytes = new byte[data.readableBytes()];
        data.getBytes(data.readerIndex(), bytes);
        calls.add("write " + request.nodeid() + " @" + request.offset() + " " + new String(bytes, StandardCharsets.UTF_8));
        return bytes.length;
    }

    @Override
    public void readdir(Context ctx, long nodeid, long fh, long offset, DirectorySink sink) {
        List<Map.Entry<FileName, Long>> entries = new ArrayList<>(names.entrySet());
        for (int i = (int) Math.min(Math.max(offset, 0), entries.size()); i < entries.size(); i++) {
            Map.Entry<FileName, Long> e = entries.get(i);
            if (!sink.add(e.getKey(), i + 1, FileType.REGULAR, e.getValue())) {
                return;
            }
        }
    }

    @Override
    public void readdirplus(Context ctx, long nodeid, long fh, long offset, DirectoryPlusSink sink) {
        List<Map.Entry<FileName, Long>> entries = new ArrayList<>(names.entrySet());
        if (offset == 0 && !sink.add(FileName.DOT, 1, new Entry(ROOT_ID, 0, attrOf(ROOT_ID), VALID, VALID))) {
            return;
        }
        for (int i = (int) Math.min(Math.max(offset - 1, 0), entries.size()); i < entries.size(); i++) {
            Map.Entry<FileName, Long> e = entries.get(i);
            if (!sink.add(e.getKey(), i + 2, new Entry(e.getValue(), 7, attrOf(e.getValue()), VALID, VALID))) {
                return;
            }
        }
    }

    @Override
    public byte[] getxattr(Context ctx, long nodeid, XattrName name) {
        byte[] value = xattrs.get(name.toString());
        if (value == null) {
            throw new ErrnoException(Errno.ENODATA);
        }
        return value;
    }

    @Override
    public List<XattrName> listxattr(Context ctx, long nodeid) {
        return xattrs.keySet().stream().map(XattrName::of).toList();
    }

    @Override
    public void access(Context ctx, long nodeid, AccessMask mask) {
        throw new IllegalStateException("a bug in the file system");
    }

    /** Lets tests ask for capabilities. */
    static Consumer<InitConfig> wanting(Capability... capabilities) {
        return config -> {
            for (Capability c : capabilities) {
                config.want(c);
            }
        };
    }
}
