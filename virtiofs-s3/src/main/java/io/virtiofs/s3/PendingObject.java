package io.virtiofs.s3;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.s3.store.ObjectInfo;
import io.virtiofs.s3.store.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The contents of a file being written, until they are uploaded: in memory up to a limit, then
 * in a spill file. A writer that only appends has its full parts uploaded while it writes (a
 * multipart upload started early), so that the upload at flush has only the tail left; any write
 * below what was uploaded already abandons that upload, and the flush uploads the whole file again.
 *
 * <p>Not thread-safe: the owning node's monitor guards every call.
 */
final class PendingObject {

    private static final System.Logger LOG = System.getLogger(PendingObject.class.getName());

    private final S3Config config;
    private final ObjectStore store;
    private byte[] memory = new byte[0];
    private @Nullable Path spillPath;
    private @Nullable FileChannel spill;
    private long size;
    private boolean dirty;
    /** The early multipart upload, when one runs. */
    private @Nullable EarlyUpload early;
    private boolean earlyAllowed = true;

    /** A multipart upload whose parts go out while the writer still writes. */
    private static final class EarlyUpload {
        final String key;
        final CompletableFuture<String> uploadId;
        final List<CompletableFuture<String>> parts = new ArrayList<>();
        long uploadedEnd;

        EarlyUpload(String key, CompletableFuture<String> uploadId) {
            this.key = key;
            this.uploadId = uploadId;
        }
    }

    PendingObject(S3Config config, ObjectStore store) {
        this.config = config;
        this.store = store;
    }

    long size() {
        return size;
    }

    boolean dirty() {
        return dirty;
    }

    /** Marks the contents as changed (an O_TRUNC open, a new file): the next flush uploads. */
    void markDirty() {
        dirty = true;
    }

    /** Writes {@code data}'s readable bytes at {@code offset} for the object {@code key}. */
    void write(String key, long offset, ByteBuf data) {
        int length = data.readableBytes();
        long end = offset + length;
        if (end > config.maxFileSize()) {
            throw new ErrnoException(Errno.EFBIG, "a write to " + end + " passes the largest object this gateway uploads ("
                    + config.maxFileSize() + " bytes: " + S3Config.MAX_PARTS + " parts of " + config.partSize() + ")");
        }
        EarlyUpload up = early;
        if (up != null && offset < up.uploadedEnd) {
            abandonEarly("a write at " + offset + " lands in parts already uploaded");
        }
        if (spill == null && end <= config.memoryBuffer()) {
            if (end > memory.length) {
                memory = Arrays.copyOf(memory, (int) Math.max(end, Math.min(config.memoryBuffer(), memory.length * 2L)));
            }
            data.getBytes(data.readerIndex(), memory, (int) offset, length);
        } else {
            FileChannel channel = spill();
            try {
                int done = 0;
                while (done < length) {
                    done += data.getBytes(data.readerIndex() + done, channel, offset + done, length - done);
                }
            } catch (IOException e) {
                throw new ErrnoException(Errno.EIO, "the spill file " + spillPath + " failed: " + e.getMessage(), e);
            }
        }
        size = Math.max(size, end);
        dirty = true;
        uploadFullParts(key);
    }

    /** Copies up to {@code length} bytes from {@code offset} into {@code dst}; returns how many. */
    int read(long offset, int length, ByteBuf dst) {
        int n = (int) Math.max(0, Math.min(length, size - offset));
        if (n == 0) {
            return 0;
        }
        if (spill == null) {
            dst.writeBytes(memory, (int) offset, n);
            return n;
        }
        try {
            int done = 0;
            while (done < n) {
                int r = dst.writeBytes(spill, offset + done, n - done);
                if (r <= 0) {
                    dst.writeZero(n - done); // a hole at the end of the spill file
                    break;
                }
                done += r;
            }
            return n;
        } catch (IOException e) {
            throw new ErrnoException(Errno.EIO, "the spill file " + spillPath + " failed: " + e.getMessage(), e);
        }
    }

    /** Sets the size (truncate or extend with zeros). */
    void truncate(long newSize) {
        if (newSize > config.maxFileSize()) {
            throw new ErrnoException(Errno.EFBIG, "size " + newSize + " passes the largest object this gateway uploads");
        }
        EarlyUpload up = early;
        if (up != null && newSize < up.uploadedEnd) {
            abandonEarly("truncated below the parts already uploaded");
        }
        if (spill == null) {
            if (newSize <= config.memoryBuffer()) {
                memory = Arrays.copyOf(memory, (int) newSize);
            } else {
                spill();
            }
        }
        if (spill != null) {
            try {
                if (newSize < size) {
                    spill.truncate(newSize);
                } else if (newSize > size) {
                    spill.write(ByteBuffer.allocate(1), newSize - 1);
                }
            } catch (IOException e) {
                throw new ErrnoException(Errno.EIO, "the spill file " + spillPath + " failed: " + e.getMessage(), e);
            }
        }
        size = newSize;
        dirty = true;
    }

    /**
     * Uploads the contents as {@code key}; the future completes when the object is in the store.
     * Call with the node's monitor held until the future completes: writes must wait.
     */
    CompletableFuture<ObjectInfo> upload(String key) {
        EarlyUpload up = early;
        CompletableFuture<ObjectInfo> result;
        if (up != null && up.key.equals(key)) {
            result = finishEarly(up);
        } else {
            if (up != null) {
                abandonEarly("the upload goes to " + key + " now");
            }
            result = uploadWhole(key);
        }
        long uploaded = size;
        return result.whenComplete((info, failure) -> {
            synchronized (this) {
                early = null;
                earlyAllowed = false; // a second upload of this buffer is a whole one
                if (failure == null && size == uploaded) {
                    dirty = false;
                }
            }
        });
    }

    private CompletableFuture<ObjectInfo> uploadWhole(String key) {
        if (size <= config.partSize()) {
            if (spill == null) {
                return store.put(key, Arrays.copyOf(memory, (int) size));
            }
            return store.put(key, spillPath, size);
        }
        Path file = spillPath;
        List<long[]> ranges = ranges(0, size);
        return store.startMultipart(key).thenCompose(id -> uploadParts(key, id, file, ranges, 1)
                .thenCompose(etags -> store.completeMultipart(key, id, etags))
                .whenComplete((info, failure) -> {
                    if (failure != null) {
                        store.abortMultipart(key, id);
                    }
                }));
    }

    private CompletableFuture<ObjectInfo> finishEarly(EarlyUpload up) {
        Path file = spillPath;
        List<long[]> tail = ranges(up.uploadedEnd, size);
        List<CompletableFuture<String>> started = List.copyOf(up.parts);
        int first = started.size() + 1;
        return up.uploadId.thenCompose(id -> uploadParts(up.key, id, file, tail, first)
                .thenCompose(tailEtags -> CompletableFuture.allOf(started.toArray(CompletableFuture[]::new))
                        .thenApply(v -> {
                            List<String> etags = new ArrayList<>(started.size() + tailEtags.size());
                            for (CompletableFuture<String> p : started) {
                                etags.add(p.join());
                            }
                            etags.addAll(tailEtags);
                            return etags;
                        }))
                .thenCompose(etags -> store.completeMultipart(up.key, id, etags))
                .whenComplete((info, failure) -> {
                    if (failure != null) {
                        store.abortMultipart(up.key, id);
                    }
                }));
    }

    /** Part ranges of {@code [from, to)}: part-sized, the last one shorter. */
    private List<long[]> ranges(long from, long to) {
        List<long[]> ranges = new ArrayList<>();
        for (long at = from; at < to; at += config.partSize()) {
            ranges.add(new long[] {at, Math.min(config.partSize(), to - at)});
        }
        return ranges;
    }

    /** Uploads the ranges as parts numbered from {@code first}, a few at a time; the etags in order. */
    private CompletableFuture<List<String>> uploadParts(String key, String id, @Nullable Path file, List<long[]> ranges,
                                                        int first) {
        if (ranges.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        String[] etags = new String[ranges.size()];
        AtomicInteger next = new AtomicInteger();
        int lanes = Math.min(config.uploadConcurrency(), ranges.size());
        CompletableFuture<?>[] running = new CompletableFuture<?>[lanes];
        for (int i = 0; i < lanes; i++) {
            running[i] = lane(key, id, file, ranges, first, etags, next);
        }
        return CompletableFuture.allOf(running).thenApply(v -> Arrays.asList(etags));
    }

    private CompletableFuture<Void> lane(String key, String id, @Nullable Path file, List<long[]> ranges, int first,
                                         String[] etags, AtomicInteger next) {
        int i = next.getAndIncrement();
        if (i >= ranges.size()) {
            return CompletableFuture.completedFuture(null);
        }
        long[] r = ranges.get(i);
        return store.uploadPart(key, id, first + i, file, r[0], r[1]).thenCompose(etag -> {
            etags[i] = etag;
            return lane(key, id, file, ranges, first, etags, next);
        });
    }

    /** Starts uploads of the full parts an appending writer has finished (early multipart). */
    private void uploadFullParts(String key) {
        if (!earlyAllowed || spill == null) {
            return;
        }
        EarlyUpload up = early;
        long partSize = config.partSize();
        long start = up == null ? 0 : up.uploadedEnd;
        // A part is final once the writer has gone a part beyond it (it may still write the tail).
        while (size - start >= 2 * partSize) {
            if (up == null) {
                up = new EarlyUpload(key, store.startMultipart(key));
                early = up;
            }
            if (!up.key.equals(key)) {
                return;
            }
            waitForLane(up);
            int number = up.parts.size() + 1;
            long offset = start;
            EarlyUpload current = up;
            Path file = spillPath;
            up.parts.add(up.uploadId.thenCompose(id -> store.uploadPart(current.key, id, number, file, offset, partSize)));
            start += partSize;
            up.uploadedEnd = start;
        }
    }

    /** Keeps at most {@code uploadConcurrency} early parts in flight: the writer waits for the oldest. */
    private void waitForLane(EarlyUpload up) {
        int inFlight = 0;
        CompletableFuture<String> oldest = null;
        for (CompletableFuture<String> p : up.parts) {
            if (!p.isDone()) {
                inFlight++;
                if (oldest == null) {
                    oldest = p;
                }
            }
        }
        if (inFlight >= config.uploadConcurrency() && oldest != null) {
            try {
                oldest.get(config.timeout().toMillis() + 1000, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                // The part failed or is slow: the flush will find out and report it.
            }
        }
    }

    private void abandonEarly(String why) {
        EarlyUpload up = early;
        early = null;
        earlyAllowed = false;
        if (up != null) {
            LOG.log(System.Logger.Level.DEBUG, () -> "abandoning the early upload of " + up.key + ": " + why);
            up.uploadId.thenCompose(id -> store.abortMultipart(up.key, id));
        }
    }

    private FileChannel spill() {
        FileChannel channel = spill;
        if (channel != null) {
            return channel;
        }
        try {
            Files.createDirectories(config.spillDirectory());
            Path path = Files.createTempFile(config.spillDirectory(), "spill-", ".data");
            channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            if (size > 0) {
                channel.write(ByteBuffer.wrap(memory, 0, (int) size), 0);
            }
            memory = new byte[0];
            spillPath = path;
            spill = channel;
            return channel;
        } catch (IOException e) {
            throw new ErrnoException(Errno.EIO, "cannot make a spill file in " + config.spillDirectory() + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the spill file and abandons any early upload. */
    void discard() {
        abandonEarly("discarded");
        closeSpill();
        if (spillPath != null) {
            try {
                Files.deleteIfExists(spillPath);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot delete the spill file " + spillPath, e);
            }
        }
        memory = new byte[0];
    }

    /**
     * Keeps the contents in {@code dir} after an upload that could not be reported to anyone
     * failed; returns the file they are in.
     */
    Path preserve(Path dir, String key) {
        abandonEarly("preserved");
        try {
            Files.createDirectories(dir);
            Path target = dir.resolve(key.replace('/', '%') + "." + System.currentTimeMillis());
            if (spillPath != null) {
                closeSpill();
                Files.move(spillPath, target, StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.write(target, Arrays.copyOf(memory, (int) size));
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void closeSpill() {
        if (spill != null) {
            try {
                spill.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing the spill file " + spillPath + " failed", e);
            }
            spill = null;
        }
    }
}
