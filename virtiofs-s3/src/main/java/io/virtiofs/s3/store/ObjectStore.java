package io.virtiofs.s3.store;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The calls the gateway makes to an object store, each returning a future: nothing here blocks
 * the caller, so a file system built on it can answer from the future's completion (the
 * asynchronous SPI) as well as wait for it (the synchronous one). A failed future holds a
 * {@link StoreException}.
 *
 * <p>Keys are full object keys (the configured prefix included).
 */
public interface ObjectStore extends AutoCloseable {

    /** HEAD: the object's size, time and etag; empty when there is no such object. */
    CompletableFuture<Optional<ObjectInfo>> head(String key);

    /**
     * One page of the objects and sub-prefixes directly under {@code prefix} ({@code /} as the
     * delimiter), at most {@code maxKeys}, from {@code continuation} (empty for the first page).
     */
    CompletableFuture<Listing> list(String prefix, Optional<String> continuation, int maxKeys);

    /** One page of every key under {@code prefix}, with no delimiter (for directory renames). */
    CompletableFuture<Listing> listAll(String prefix, Optional<String> continuation, int maxKeys);

    /**
     * A ranged GET: {@code length} bytes from {@code offset} (fewer at the end of the object), of
     * the version whose etag is {@code etag} (fails with ESTALE if the object changed; no check
     * when {@code etag} is empty).
     */
    CompletableFuture<byte[]> get(String key, long offset, int length, String etag);

    /**
     * One ranged GET for consecutive blocks, streamed: {@code blocks.get(i)} completes with the
     * {@code blockSize} bytes at {@code offset + i * blockSize} (fewer at the end of the object) as
     * soon as they have arrived, so a sequential reader need not wait for the whole range. A
     * failure fails every block not completed yet. The returned future completes after the last.
     */
    CompletableFuture<Void> getBlocks(String key, long offset, int blockSize, List<CompletableFuture<byte[]>> blocks,
                                      String etag);

    /** PUT of a whole object from bytes. */
    CompletableFuture<ObjectInfo> put(String key, byte[] data);

    /** PUT of a whole object from {@code length} bytes of a file. */
    CompletableFuture<ObjectInfo> put(String key, Path file, long length);

    /** Starts a multipart upload; the future holds its upload id. */
    CompletableFuture<String> startMultipart(String key);

    /** Uploads part {@code number} (from 1) from {@code length} bytes of {@code file} at {@code offset}; the future holds its etag. */
    CompletableFuture<String> uploadPart(String key, String uploadId, int number, Path file, long offset, long length);

    /** Completes a multipart upload from its parts' etags, in part order. */
    CompletableFuture<ObjectInfo> completeMultipart(String key, String uploadId, List<String> partEtags);

    /** Aborts a multipart upload (its parts are freed). */
    CompletableFuture<Void> abortMultipart(String key, String uploadId);

    /** Server-side copy of {@code source} to {@code target}. */
    CompletableFuture<ObjectInfo> copy(String source, String target);

    /** Copies an object onto itself (metadata replaced): its last-modified time becomes now. */
    CompletableFuture<ObjectInfo> touch(String key);

    /** DELETE (succeeds when the object is already gone). */
    CompletableFuture<Void> delete(String key);

    /** Closes the client; calls in flight fail. */
    @Override
    void close();
}
