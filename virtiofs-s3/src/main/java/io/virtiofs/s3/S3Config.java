package io.virtiofs.s3;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@link S3FileSystem} presents a bucket: what part of it is the root, how long the driver
 * may cache what it learnt, how data is read ahead and cached, and how writes are buffered.
 *
 * @param prefix the key prefix that is the root ("" for the whole bucket; otherwise ends in '/')
 * @param cache the consistency mode: what a second client's changes take to show
 * @param attrTimeout how long the driver (and the gateway) may use attributes without asking
 * @param entryTimeout how long the driver may use a name (and a "no such name") without asking
 * @param timeout how long one store call may take, retries included, before ETIMEDOUT
 * @param blockSize the unit of ranged GETs and of the block cache
 * @param readAheadBlocks how many blocks ahead of a sequential reader are fetched in parallel
 * @param cacheBytes the most data the block cache holds
 * @param memoryBuffer how much of a file being written stays in memory before it spills to disk
 * @param spillDirectory where spill files go (created if missing)
 * @param partSize the multipart upload part size (objects up to this size go in one PUT)
 * @param uploadConcurrency how many parts of one file upload at once
 * @param capacity the size statfs reports (S3 has no capacity of its own)
 * @param renameLimit the most objects a directory rename copies; above it, EXDEV
 * @param uid the owner every node shows
 * @param gid the group every node shows
 */
public record S3Config(String prefix, CacheMode cache, Duration attrTimeout, Duration entryTimeout, Duration timeout,
                       int blockSize, int readAheadBlocks, long cacheBytes, int memoryBuffer, Path spillDirectory,
                       long partSize, int uploadConcurrency, long capacity, int renameLimit, int uid, int gid) {

    /** The S3 minimum part size (every part but the last). */
    public static final long MIN_PART_SIZE = 5L << 20;
    /** The S3 maximum number of parts of one upload. */
    public static final int MAX_PARTS = 10_000;

    /** What the gateway and the driver cache, and so when a second client's changes show. */
    public enum CacheMode {
        /** Nothing: every stat and open asks the store; attribute and entry timeouts are 0. */
        NONE,
        /** Attributes and names for the timeouts (default 1 s); file data until the next open. */
        AUTO,
        /** Everything for the timeouts (default a day), file data across opens (KEEP_CACHE). */
        ALWAYS
    }

    public S3Config {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(spillDirectory, "spillDirectory");
        if (!prefix.isEmpty() && (!prefix.endsWith("/") || prefix.startsWith("/") || prefix.contains("//"))) {
            throw new IllegalArgumentException("prefix '" + prefix + "' must be empty or like a/b/ (no leading '/', no '//')");
        }
        for (Duration d : new Duration[] {attrTimeout, entryTimeout}) {
            if (d.isNegative()) {
                throw new IllegalArgumentException("a cache timeout is negative: " + d);
            }
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, not " + timeout);
        }
        if (blockSize < 4096 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("blockSize " + blockSize + " must be a power of two of at least 4096");
        }
        if (readAheadBlocks < 0 || readAheadBlocks > 256) {
            throw new IllegalArgumentException("readAheadBlocks " + readAheadBlocks + " is outside 0..256");
        }
        if (cacheBytes < (long) blockSize * (readAheadBlocks + 1)) {
            throw new IllegalArgumentException("cacheBytes " + cacheBytes + " cannot hold the read-ahead ("
                    + (readAheadBlocks + 1) + " blocks of " + blockSize + ")");
        }
        if (memoryBuffer < 0) {
            throw new IllegalArgumentException("memoryBuffer " + memoryBuffer + " is negative");
        }
        if (partSize < MIN_PART_SIZE || partSize > (5L << 30)) {
            throw new IllegalArgumentException("partSize " + partSize + " is outside 5 MiB..5 GiB");
        }
        if (uploadConcurrency < 1 || uploadConcurrency > 64) {
            throw new IllegalArgumentException("uploadConcurrency " + uploadConcurrency + " is outside 1..64");
        }
        if (capacity < 4096) {
            throw new IllegalArgumentException("capacity " + capacity + " is below 4096");
        }
        if (renameLimit < 0) {
            throw new IllegalArgumentException("renameLimit " + renameLimit + " is negative");
        }
    }

    /** The largest file this configuration can upload (parts of {@link #partSize} each). */
    public long maxFileSize() {
        return partSize * MAX_PARTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds an {@link S3Config}; every field has a default. */
    public static final class Builder {
        private String prefix = "";
        private CacheMode cache = CacheMode.AUTO;
        private Duration attrTimeout;
        private Duration entryTimeout;
        private Duration timeout = Duration.ofSeconds(30);
        private int blockSize = 1 << 20;
        private int readAheadBlocks = 16;
        private long cacheBytes = 64L << 20;
        private int memoryBuffer = 1 << 20;
        private Path spillDirectory = Path.of(System.getProperty("java.io.tmpdir"), "virtiofs-s3-" + ProcessHandle.current().pid());
        private long partSize = 8L << 20;
        private int uploadConcurrency = 4;
        private long capacity = 1L << 40;
        private int renameLimit = 1000;
        private int uid;
        private int gid;

        private Builder() {
        }

        /** The root's key prefix: "" or "a/b" (a trailing '/' is added). */
        public Builder prefix(String value) {
            String p = value;
            while (p.startsWith("/")) {
                p = p.substring(1);
            }
            prefix = p.isEmpty() || p.endsWith("/") ? p : p + "/";
            return this;
        }

        public Builder cache(CacheMode value) {
            cache = value;
            return this;
        }

        public Builder attrTimeout(Duration value) {
            attrTimeout = value;
            return this;
        }

        public Builder entryTimeout(Duration value) {
            entryTimeout = value;
            return this;
        }

        public Builder timeout(Duration value) {
            timeout = value;
            return this;
        }

        public Builder blockSize(int value) {
            blockSize = value;
            return this;
        }

        public Builder readAheadBlocks(int value) {
            readAheadBlocks = value;
            return this;
        }

        public Builder cacheBytes(long value) {
            cacheBytes = value;
            return this;
        }

        public Builder memoryBuffer(int value) {
            memoryBuffer = value;
            return this;
        }

        public Builder spillDirectory(Path value) {
            spillDirectory = value;
            return this;
        }

        public Builder partSize(long value) {
            partSize = value;
            return this;
        }

        public Builder uploadConcurrency(int value) {
            uploadConcurrency = value;
            return this;
        }

        public Builder capacity(long value) {
            capacity = value;
            return this;
        }

        public Builder renameLimit(int value) {
            renameLimit = value;
            return this;
        }

        public Builder owner(int uidValue, int gidValue) {
            uid = uidValue;
            gid = gidValue;
            return this;
        }

        public S3Config build() {
            Duration fallback = switch (cache) {
                case NONE -> Duration.ZERO;
                case AUTO -> Duration.ofSeconds(1);
                case ALWAYS -> Duration.ofDays(1);
            };
            return new S3Config(prefix, cache, attrTimeout != null ? attrTimeout : fallback,
                    entryTimeout != null ? entryTimeout : fallback, timeout, blockSize, readAheadBlocks, cacheBytes,
                    memoryBuffer, spillDirectory, partSize, uploadConcurrency, capacity, renameLimit, uid, gid);
        }
    }
}
