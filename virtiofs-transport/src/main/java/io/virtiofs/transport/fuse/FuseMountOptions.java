package io.virtiofs.transport.fuse;

import io.virtiofs.protocol.server.FuseServerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How to mount a file system through /dev/fuse: the kernel's mount options, the worker threads,
 * and the limits the server offers the kernel in FUSE_INIT.
 *
 * @param mountpoint the directory to mount on (absolute, normalized)
 * @param fsname the mount's source, as {@code mount} and {@code /proc/self/mountinfo} show it
 * @param subtype the file system type shown as {@code fuse.SUBTYPE}; empty for plain {@code fuse}
 * @param allowOther {@code allow_other}: users other than the mounting one may use the mount
 * @param defaultPermissions {@code default_permissions}: the kernel checks permissions from the
 *     file modes itself
 * @param maxRead {@code max_read}: the largest read request, in bytes; empty for the kernel's
 *     default (bounded by {@code maxWrite})
 * @param extraOptions further kernel mount options, each one word: a mount flag ({@code ro},
 *     {@code noexec}, {@code noatime}, {@code sync}, ...) or a security label
 *     ({@code context=...}); {@code nosuid} and {@code nodev} are on unless {@code suid} or
 *     {@code dev} is given
 * @param workers the number of worker threads, each with its own cloned /dev/fuse descriptor
 * @param maxWrite the largest write the kernel may send, in bytes (each worker's request buffer
 *     is this plus 4 KiB); offered as {@code max_write} and {@code max_pages}
 * @param maxReadahead the largest readahead the server accepts
 * @param maxBackground {@code max_background}: background requests the kernel keeps in flight
 * @param congestionThreshold {@code congestion_threshold}
 * @param timeGranularity timestamp granularity offered, nanoseconds
 * @param ioUring whether to serve requests over io_uring ({@code FUSE_OVER_IO_URING}, Linux 6.14
 *     and later with the {@code fuse} module's {@code enable_uring} parameter on): one ring queue
 *     per CPU, the kernel's queue chosen by the CPU of the process that makes the request; the
 *     workers still carry FUSE_INIT, forgets and interrupts
 * @param ringDepth with {@code ioUring}: the entries of each ring queue, the requests one CPU's
 *     queue carries at once (1 to {@value #MAX_RING_DEPTH}); each holds a buffer of
 *     {@code maxWrite}, touched only as far as requests and replies reach
 * @param ringFlags with {@code ioUring}: how each ring is set up; {@link RingFlag#DEFER_TASKRUN}
 *     needs {@link RingFlag#SINGLE_ISSUER}
 */
public record FuseMountOptions(Path mountpoint, String fsname, Optional<String> subtype, boolean allowOther,
                               boolean defaultPermissions, OptionalInt maxRead, List<String> extraOptions,
                               int workers, int maxWrite, int maxReadahead, int maxBackground,
                               int congestionThreshold, int timeGranularity, boolean ioUring, int ringDepth,
                               Set<RingFlag> ringFlags) {

    /** The default {@link #fsname}. */
    public static final String DEFAULT_FSNAME = "virtiofs-java";
    /**
     * The default number of worker threads, for a file system that may keep a worker waiting.
     * Idle workers sleep in read(2), but not for free: the kernel wakes the longest-idle one for
     * each request, so a file system that never waits is served better by one per CPU, which
     * {@code virtiofs mount} uses for memfs (fewer switches and less CPU per request on a 2-CPU
     * machine, BENCHMARKS.md).
     */
    public static final int DEFAULT_WORKERS = 8;
    /** The most worker threads a mount may have. */
    public static final int MAX_WORKERS = 256;
    /**
     * The default {@link #ringDepth}. Over io_uring one CPU's queue carries this many requests at
     * once; the kernel queues the rest. With fio reading 4 KiB at random, 32 requests in flight on
     * a 2-CPU machine, depths 8 to 32 served alike and 4 cost more system calls per read
     * (BENCHMARKS.md).
     */
    public static final int DEFAULT_RING_DEPTH = 16;
    /** The largest {@link #ringDepth}. */
    public static final int MAX_RING_DEPTH = 1024;
    /**
     * The default {@link #ringFlags}: one thread submits, and the kernel's completion work runs
     * when it waits (on a 2-CPU machine an uncached fstat loop ran at 104-109k/s this way against
     * 70k/s with {@code SINGLE_ISSUER} alone, BENCHMARKS.md).
     */
    public static final Set<RingFlag> DEFAULT_RING_FLAGS = Set.copyOf(EnumSet.of(RingFlag.SINGLE_ISSUER,
            RingFlag.DEFER_TASKRUN));

    private static final Pattern SUBTYPE = Pattern.compile("[A-Za-z0-9_.+-]{1,64}");

    public FuseMountOptions {
        Objects.requireNonNull(mountpoint, "mountpoint");
        Objects.requireNonNull(fsname, "fsname");
        Objects.requireNonNull(subtype, "subtype");
        Objects.requireNonNull(maxRead, "maxRead");
        Objects.requireNonNull(ringFlags, "ringFlags");
        mountpoint = mountpoint.toAbsolutePath().normalize();
        if (fsname.isEmpty() || fsname.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("fsname must be non-empty and without NUL characters");
        }
        subtype.ifPresent(name -> {
            if (!SUBTYPE.matcher(name).matches()) {
                throw new IllegalArgumentException("subtype \"" + name + "\" must be 1 to 64 of A-Z a-z 0-9 _ . + -");
            }
        });
        maxRead.ifPresent(bytes -> {
            if (bytes < 1) {
                throw new IllegalArgumentException("max_read " + bytes + " is less than 1");
            }
        });
        extraOptions = List.copyOf(extraOptions);
        for (String option : extraOptions) {
            MountFlagOption.checkExtra(option);
        }
        if (workers < 1 || workers > MAX_WORKERS) {
            throw new IllegalArgumentException("workers " + workers + " is outside 1.." + MAX_WORKERS);
        }
        if (ringDepth < 1 || ringDepth > MAX_RING_DEPTH) {
            throw new IllegalArgumentException("ring depth " + ringDepth + " is outside 1.." + MAX_RING_DEPTH);
        }
        ringFlags = ringFlags.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(ringFlags));
        if (ringFlags.contains(RingFlag.DEFER_TASKRUN) && !ringFlags.contains(RingFlag.SINGLE_ISSUER)) {
            throw new IllegalArgumentException("ring flag DEFER_TASKRUN needs SINGLE_ISSUER");
        }
        // The same limits FuseServerConfig enforces, checked here so a bad option fails early.
        new FuseServerConfig(maxWrite, maxReadahead, maxBackground, congestionThreshold, timeGranularity,
                Optional.empty(), Optional.empty(), true, ioUring, System.Logger.Level.INFO, defaultPermissions,
                Optional.empty(), Optional.empty());
    }

    /** Options for {@code mountpoint} with every default. */
    public static FuseMountOptions of(Path mountpoint) {
        return builder(mountpoint).build();
    }

    /** A builder for {@code mountpoint}, starting from the defaults. */
    public static Builder builder(Path mountpoint) {
        return new Builder(mountpoint);
    }

    /**
     * The size of each worker's request (and reply) buffer: {@link #maxWrite} plus 4 KiB for the
     * headers, and never below the kernel's FUSE_MIN_READ_BUFFER (8192).
     */
    public int bufferSize() {
        return Math.max(FuseDevice.MIN_READ_BUFFER, maxWrite + 4096);
    }

    /** The kernel file system type: {@code fuse} or {@code fuse.SUBTYPE}. */
    public String fileSystemType() {
        return subtype.map(name -> "fuse." + name).orElse("fuse");
    }

    /** Builds {@link FuseMountOptions}; {@link #options(String)} reads a {@code -o} list. */
    public static final class Builder {
        private final Path mountpoint;
        private String fsname = DEFAULT_FSNAME;
        private Optional<String> subtype = Optional.empty();
        private boolean allowOther;
        private boolean defaultPermissions;
        private OptionalInt maxRead = OptionalInt.empty();
        private final List<String> extraOptions = new ArrayList<>();
        private int workers = DEFAULT_WORKERS;
        private boolean ioUring;
        private int ringDepth = DEFAULT_RING_DEPTH;
        private Set<RingFlag> ringFlags = DEFAULT_RING_FLAGS;
        private int maxWrite = FuseServerConfig.MAX_MAX_WRITE;
        private int maxReadahead = FuseServerConfig.MAX_MAX_WRITE;
        private int maxBackground = 64;
        private int congestionThreshold = 48;
        private int timeGranularity = 1;

        private Builder(Path mountpoint) {
            this.mountpoint = Objects.requireNonNull(mountpoint, "mountpoint");
        }

        public Builder fsname(String name) {
            fsname = name;
            return this;
        }

        public Builder subtype(String name) {
            subtype = Optional.of(name);
            return this;
        }

        public Builder allowOther(boolean allow) {
            allowOther = allow;
            return this;
        }

        public Builder defaultPermissions(boolean kernelChecks) {
            defaultPermissions = kernelChecks;
            return this;
        }

        public Builder maxRead(int bytes) {
            maxRead = OptionalInt.of(bytes);
            return this;
        }

        /** Adds one extra kernel option (a mount flag word or a security label). */
        public Builder option(String option) {
            MountFlagOption.checkExtra(option);
            extraOptions.add(option);
            return this;
        }

        /**
         * Reads a comma-separated {@code -o} list as {@code mount.fuse} takes it: {@code fsname=},
         * {@code subtype=}, {@code allow_other}, {@code default_permissions}, {@code max_read=},
         * the mount flag words and security labels.
         *
         * @throws IllegalArgumentException naming the first option the kernel would not know
         */
        public Builder options(String list) {
            for (String option : list.split(",", -1)) {
                if (option.isEmpty()) {
                    throw new IllegalArgumentException("empty mount option in \"" + list + "\"");
                }
                int equals = option.indexOf('=');
                String key = equals < 0 ? option : option.substring(0, equals);
                String value = equals < 0 ? "" : option.substring(equals + 1);
                switch (key) {
                    case "fsname" -> fsname(value);
                    case "subtype" -> subtype(value);
                    case "allow_other" -> allowOther(true);
                    case "default_permissions" -> defaultPermissions(true);
                    case "max_read" -> maxRead(parseSize(option, value));
                    default -> option(option);
                }
            }
            return this;
        }

        public Builder workers(int count) {
            workers = count;
            return this;
        }

        public Builder maxWrite(int bytes) {
            maxWrite = bytes;
            return this;
        }

        public Builder maxReadahead(int bytes) {
            maxReadahead = bytes;
            return this;
        }

        public Builder maxBackground(int requests, int congestionThreshold) {
            this.maxBackground = requests;
            this.congestionThreshold = congestionThreshold;
            return this;
        }

        public Builder timeGranularity(int nanoseconds) {
            timeGranularity = nanoseconds;
            return this;
        }

        /** Serve requests over io_uring (see {@link FuseMountOptions#ioUring}). */
        public Builder ioUring(boolean use) {
            ioUring = use;
            return this;
        }

        /** The entries of each ring queue (see {@link FuseMountOptions#ringDepth}). */
        public Builder ringDepth(int entries) {
            ringDepth = entries;
            return this;
        }

        /** How each ring is set up (see {@link FuseMountOptions#ringFlags}). */
        public Builder ringFlags(Set<RingFlag> flags) {
            ringFlags = Set.copyOf(flags);
            return this;
        }

        public FuseMountOptions build() {
            return new FuseMountOptions(mountpoint, fsname, subtype, allowOther, defaultPermissions, maxRead,
                    extraOptions, workers, maxWrite, maxReadahead, maxBackground, congestionThreshold, timeGranularity,
                    ioUring, ringDepth, ringFlags);
        }

        private static int parseSize(String option, String value) {
            try {
                return Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("mount option " + option + " needs a number of bytes", e);
            }
        }
    }
}
