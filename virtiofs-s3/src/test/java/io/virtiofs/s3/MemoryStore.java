package io.virtiofs.s3;

import io.virtiofs.api.Errno;
import io.virtiofs.s3.store.Listing;
import io.virtiofs.s3.store.ObjectInfo;
import io.virtiofs.s3.store.ObjectStore;
import io.virtiofs.s3.store.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An object store in memory, for tests of the gateway's own logic: S3's rules where the gateway
 * depends on them (parts of at least 5 MiB but the last, etags that change with the content).
 */
final class MemoryStore implements ObjectStore {

    final Map<String, byte[]> objects = new TreeMap<>();
    private final Map<String, Map<Integer, byte[]>> uploads = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    final AtomicInteger puts = new AtomicInteger();
    final AtomicInteger parts = new AtomicInteger();

    private static String etag(byte[] data) {
        return "\"" + Integer.toHexString(Arrays.hashCode(data)) + "-" + data.length + "\"";
    }

    private synchronized ObjectInfo info(String key) {
        byte[] data = objects.get(key);
        return new ObjectInfo(key, data.length, Instant.now(), etag(data));
    }

    @Override
    public synchronized CompletableFuture<Optional<ObjectInfo>> head(String key) {
        return CompletableFuture.completedFuture(objects.containsKey(key) ? Optional.of(info(key)) : Optional.empty());
    }

    @Override
    public synchronized CompletableFuture<Listing> list(String prefix, Optional<String> continuation, int maxKeys) {
        List<ObjectInfo> files = new ArrayList<>();
        java.util.Set<String> prefixes = new java.util.TreeSet<>();
        for (String key : objects.keySet()) {
            if (key.startsWith(prefix)) {
                int slash = key.indexOf('/', prefix.length());
                if (slash < 0) {
                    files.add(info(key));
                } else {
                    prefixes.add(key.substring(0, slash + 1));
                }
            }
        }
        return CompletableFuture.completedFuture(new Listing(files, List.copyOf(prefixes), Optional.empty()));
    }

    @Override
    public synchronized CompletableFuture<Listing> listAll(String prefix, Optional<String> continuation, int maxKeys) {
        List<ObjectInfo> files = new ArrayList<>();
        for (String key : objects.keySet()) {
            if (key.startsWith(prefix)) {
                files.add(info(key));
            }
        }
        return CompletableFuture.completedFuture(new Listing(files, List.of(), Optional.empty()));
    }

    @Override
    public synchronized CompletableFuture<byte[]> get(String key, long offset, int length, String etag) {
        byte[] data = objects.get(key);
        if (data == null) {
            return CompletableFuture.failedFuture(new StoreException(Errno.ENOENT, key));
        }
        if (!etag.isEmpty() && !etag.equals(etag(data))) {
            return CompletableFuture.failedFuture(new StoreException(Errno.ESTALE, key + " changed"));
        }
        int from = (int) Math.min(offset, data.length);
        return CompletableFuture.completedFuture(Arrays.copyOfRange(data, from, (int) Math.min(data.length, offset + length)));
    }

    @Override
    public CompletableFuture<Void> getBlocks(String key, long offset, int blockSize, List<CompletableFuture<byte[]>> blocks,
                                             String etag) {
        for (int i = 0; i < blocks.size(); i++) {
            CompletableFuture<byte[]> block = blocks.get(i);
            get(key, offset + (long) i * blockSize, blockSize, etag).whenComplete((b, f) -> {
                if (f != null) {
                    block.completeExceptionally(f);
                } else {
                    block.complete(b);
                }
            });
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<ObjectInfo> put(String key, byte[] data) {
        puts.incrementAndGet();
        objects.put(key, data.clone());
        return CompletableFuture.completedFuture(info(key));
    }

    @Override
    public CompletableFuture<ObjectInfo> put(String key, Path file, long length) {
        return put(key, read(file, 0, length));
    }

    private static byte[] read(Path file, long offset, long length) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate((int) length);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) {
                    break; // a hole at the end reads as zeros
                }
            }
            return buffer.array();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public CompletableFuture<String> startMultipart(String key) {
        String id = "upload-" + ids.incrementAndGet();
        uploads.put(id, new ConcurrentHashMap<>());
        return CompletableFuture.completedFuture(id);
    }

    @Override
    public CompletableFuture<String> uploadPart(String key, String uploadId, int number, Path file, long offset, long length) {
        parts.incrementAndGet();
        Map<Integer, byte[]> upload = uploads.get(uploadId);
        if (upload == null) {
            return CompletableFuture.failedFuture(new StoreException(Errno.ENOENT, "no upload " + uploadId));
        }
        byte[] data = read(file, offset, length);
        upload.put(number, data);
        return CompletableFuture.completedFuture(etag(data));
    }

    @Override
    public synchronized CompletableFuture<ObjectInfo> completeMultipart(String key, String uploadId, List<String> partEtags) {
        Map<Integer, byte[]> upload = uploads.remove(uploadId);
        if (upload == null) {
            return CompletableFuture.failedFuture(new StoreException(Errno.ENOENT, "no upload " + uploadId));
        }
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (int i = 1; i <= partEtags.size(); i++) {
            byte[] part = upload.get(i);
            if (part == null || !etag(part).equals(partEtags.get(i - 1))) {
                return CompletableFuture.failedFuture(new StoreException(Errno.EIO, "part " + i + " is missing or differs"));
            }
            if (i < partEtags.size() && part.length < S3Config.MIN_PART_SIZE) {
                return CompletableFuture.failedFuture(new StoreException(Errno.EIO, "part " + i + " is too small: " + part.length));
            }
            all.writeBytes(part);
        }
        objects.put(key, all.toByteArray());
        return CompletableFuture.completedFuture(info(key));
    }

    @Override
    public CompletableFuture<Void> abortMultipart(String key, String uploadId) {
        uploads.remove(uploadId);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<ObjectInfo> copy(String source, String target) {
        byte[] data = objects.get(source);
        if (data == null) {
            return CompletableFuture.failedFuture(new StoreException(Errno.ENOENT, source));
        }
        objects.put(target, data.clone());
        return CompletableFuture.completedFuture(info(target));
    }

    @Override
    public synchronized CompletableFuture<ObjectInfo> touch(String key) {
        return objects.containsKey(key) ? CompletableFuture.completedFuture(info(key))
                : CompletableFuture.failedFuture(new StoreException(Errno.ENOENT, key));
    }

    @Override
    public synchronized CompletableFuture<Void> delete(String key) {
        objects.remove(key);
        return CompletableFuture.completedFuture(null);
    }

    int openUploads() {
        return uploads.size();
    }

    @Override
    public void close() {
    }
}
