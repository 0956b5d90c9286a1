package io.virtiofs.examples.memfs;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;

/**
 * How a {@link MemFs} is set up. Build one with {@link #builder()}; {@link #defaults()} is a
 * 1 GiB file system owned by root.
 *
 * @param capacityBytes the space for file data, in bytes (what {@code statfs} shows as the size;
 *     writes beyond it fail with {@code ENOSPC}); rounded down to whole blocks
 * @param maxInodes the most nodes that may exist at once, the root included ({@code statfs}
 *     {@code f_files}); creating more fails with {@code ENOSPC}
 * @param blockSize the allocation unit of file data and {@code st_blksize}: a power of two from
 *     512 to 1 MiB. File data lives in chunks of this size; a chunk never written is a hole
 * @param maxFileSize the largest file size; writes and truncates beyond it fail with {@code EFBIG}
 * @param entryTimeout how long the driver may cache a name ({@code entry_valid})
 * @param attrTimeout how long the driver may cache attributes ({@code attr_valid})
 * @param negativeTimeout how long the driver may cache the absence of a name; {@link Duration#ZERO}
 *     answers lookups of absent names with {@code ENOENT} instead of a negative entry
 * @param rootUid the owner of the root directory
 * @param rootGid the group of the root directory
 * @param rootMode the permission bits of the root directory (for example {@code 0755}, or
 *     {@code 01777} for a shared scratch space)
 * @param checkPermissions whether memfs checks permissions itself (search, read, write, sticky
 *     directories, ownership for chmod/chown/utimes) for requests whose driver did not check them
 *     ({@link io.virtiofs.api.Context#permissionsCheckedByDriver()} false: a /dev/fuse mount
 *     without {@code default_permissions}, an in-process driver). Requests a driver checked (every
 *     virtio-fs guest, a mount with {@code default_permissions}) are trusted either way. False
 *     trusts every caller always
 * @param atimePolicy when reads update the access time
 * @param clock where timestamps come from (tests use a controlled one)
 */
public record MemFsConfig(long capacityBytes, long maxInodes, int blockSize, long maxFileSize,
                          Duration entryTimeout, Duration attrTimeout, Duration negativeTimeout,
                          int rootUid, int rootGid, int rootMode, boolean checkPermissions,
                          AtimePolicy atimePolicy, InstantSource clock) {

    /** The default capacity: 1 GiB. */
    public static final long DEFAULT_CAPACITY = 1L << 30;
    /** The default block size: 4 KiB, the page size of the usual drivers. */
    public static final int DEFAULT_BLOCK_SIZE = 4096;

    public MemFsConfig {
        Objects.requireNonNull(entryTimeout, "entryTimeout");
        Objects.requireNonNull(attrTimeout, "attrTimeout");
        Objects.requireNonNull(negativeTimeout, "negativeTimeout");
        Objects.requireNonNull(atimePolicy, "atimePolicy");
        Objects.requireNonNull(clock, "clock");
        if (blockSize < 512 || blockSize > (1 << 20) || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("blockSize " + blockSize + " is not a power of two in 512..1048576");
        }
        if (capacityBytes < 0) {
            throw new IllegalArgumentException("capacityBytes " + capacityBytes + " is negative");
        }
        if (maxInodes < 1) {
            throw new IllegalArgumentException("maxInodes " + maxInodes + " leaves no room for the root");
        }
        if (maxFileSize < 0) {
            throw new IllegalArgumentException("maxFileSize " + maxFileSize + " is negative");
        }
        for (Duration d : new Duration[] {entryTimeout, attrTimeout, negativeTimeout}) {
            if (d.isNegative()) {
                throw new IllegalArgumentException("timeout " + d + " is negative");
            }
        }
        if ((rootMode & ~07777) != 0) {
            throw new IllegalArgumentException("rootMode 0" + Integer.toOctalString(rootMode)
                    + " has bits outside 07777");
        }
    }

    /** A 1 GiB file system with a root directory owned by root, mode 0755. */
    public static MemFsConfig defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return new Builder().capacityBytes(capacityBytes).maxInodes(maxInodes).blockSize(blockSize)
                .maxFileSize(maxFileSize).entryTimeout(entryTimeout).attrTimeout(attrTimeout)
                .negativeTimeout(negativeTimeout).rootOwner(rootUid, rootGid).rootMode(rootMode)
                .checkPermissions(checkPermissions).atimePolicy(atimePolicy).clock(clock);
    }

    /** Builds a {@link MemFsConfig}; every setting starts at its default. */
    public static final class Builder {
        private long capacityBytes = DEFAULT_CAPACITY;
        private long maxInodes = 1L << 20;
        private int blockSize = DEFAULT_BLOCK_SIZE;
        private long maxFileSize = Long.MAX_VALUE;
        private Duration entryTimeout = Duration.ofSeconds(1);
        private Duration attrTimeout = Duration.ofSeconds(1);
        private Duration negativeTimeout = Duration.ZERO;
        private int rootUid;
        private int rootGid;
        private int rootMode = 0755;
        private boolean checkPermissions = true;
        private AtimePolicy atimePolicy = AtimePolicy.RELATIME;
        private InstantSource clock = InstantSource.system();

        private Builder() {
        }

        public Builder capacityBytes(long value) {
            capacityBytes = value;
            return this;
        }

        public Builder maxInodes(long value) {
            maxInodes = value;
            return this;
        }

        public Builder blockSize(int value) {
            blockSize = value;
            return this;
        }

        public Builder maxFileSize(long value) {
            maxFileSize = value;
            return this;
        }

        public Builder entryTimeout(Duration value) {
            entryTimeout = value;
            return this;
        }

        public Builder attrTimeout(Duration value) {
            attrTimeout = value;
            return this;
        }

        public Builder negativeTimeout(Duration value) {
            negativeTimeout = value;
            return this;
        }

        public Builder rootOwner(int uid, int gid) {
            rootUid = uid;
            rootGid = gid;
            return this;
        }

        public Builder rootMode(int value) {
            rootMode = value;
            return this;
        }

        public Builder checkPermissions(boolean value) {
            checkPermissions = value;
            return this;
        }

        public Builder atimePolicy(AtimePolicy value) {
            atimePolicy = value;
            return this;
        }

        public Builder clock(InstantSource value) {
            clock = value;
            return this;
        }

        public MemFsConfig build() {
            return new MemFsConfig(capacityBytes, maxInodes, blockSize, maxFileSize, entryTimeout, attrTimeout,
                    negativeTimeout, rootUid, rootGid, rootMode, checkPermissions, atimePolicy, clock);
        }
    }
}
