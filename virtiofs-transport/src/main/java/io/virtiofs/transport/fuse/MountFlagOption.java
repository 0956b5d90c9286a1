package io.virtiofs.transport.fuse;

import io.virtiofs.transport.internal.nativeio.MountCalls;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The mount option words that are {@code mount(2)} flags rather than FUSE options, as
 * {@code mount(8)} spells them: each sets or clears one {@code MS_*} bit.
 */
enum MountFlagOption {
    RO("ro", MountCalls.MS_RDONLY, true),
    RW("rw", MountCalls.MS_RDONLY, false),
    NOSUID("nosuid", MountCalls.MS_NOSUID, true),
    SUID("suid", MountCalls.MS_NOSUID, false),
    NODEV("nodev", MountCalls.MS_NODEV, true),
    DEV("dev", MountCalls.MS_NODEV, false),
    NOEXEC("noexec", MountCalls.MS_NOEXEC, true),
    EXEC("exec", MountCalls.MS_NOEXEC, false),
    SYNC("sync", MountCalls.MS_SYNCHRONOUS, true),
    ASYNC("async", MountCalls.MS_SYNCHRONOUS, false),
    DIRSYNC("dirsync", MountCalls.MS_DIRSYNC, true),
    NOATIME("noatime", MountCalls.MS_NOATIME, true),
    ATIME("atime", MountCalls.MS_NOATIME, false),
    NODIRATIME("nodiratime", MountCalls.MS_NODIRATIME, true),
    DIRATIME("diratime", MountCalls.MS_NODIRATIME, false),
    RELATIME("relatime", MountCalls.MS_RELATIME, true),
    NORELATIME("norelatime", MountCalls.MS_RELATIME, false),
    STRICTATIME("strictatime", MountCalls.MS_STRICTATIME, true),
    LAZYTIME("lazytime", MountCalls.MS_LAZYTIME, true),
    NOLAZYTIME("nolazytime", MountCalls.MS_LAZYTIME, false);

    /** The flags every mount starts from, as libfuse's: {@code nosuid,nodev}. */
    static final long DEFAULT_FLAGS = MountCalls.MS_NOSUID | MountCalls.MS_NODEV;

    /** Security label options the kernel accepts for any file system, passed in the data string. */
    static final List<String> LABEL_KEYS = List.of("context", "fscontext", "defcontext", "rootcontext");

    /** Options the transport sets itself. */
    private static final List<String> TRANSPORT_KEYS = List.of("fd", "rootmode", "user_id", "group_id");

    private final String word;
    private final long bit;
    private final boolean set;

    MountFlagOption(String word, long bit, boolean set) {
        this.word = word;
        this.bit = bit;
        this.set = set;
    }

    /** The word as written in a {@code -o} list. */
    String word() {
        return word;
    }

    /** {@code flags} with this option applied. */
    long applyTo(long flags) {
        return set ? flags | bit : flags & ~bit;
    }

    /** The flag option spelled {@code word}. */
    static Optional<MountFlagOption> of(String word) {
        for (MountFlagOption option : values()) {
            if (option.word.equals(word)) {
                return Optional.of(option);
            }
        }
        return Optional.empty();
    }

    /** Whether {@code option} is a security label ({@code context=...}) for the data string. */
    static boolean isLabel(String option) {
        int equals = option.indexOf('=');
        return equals > 0 && equals < option.length() - 1 && LABEL_KEYS.contains(option.substring(0, equals));
    }

    /**
     * Checks one extra option: a flag word or a label.
     *
     * @throws IllegalArgumentException saying why the kernel would not take it
     */
    static void checkExtra(String option) {
        if (of(option).isPresent() || isLabel(option)) {
            if (option.indexOf(',') >= 0 || option.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("mount option \"" + option + "\" contains a comma or NUL");
            }
            return;
        }
        int equals = option.indexOf('=');
        String key = equals < 0 ? option : option.substring(0, equals);
        if (TRANSPORT_KEYS.contains(key)) {
            throw new IllegalArgumentException("mount option " + key + " is set by the transport, not by the user");
        }
        if (key.equals("blksize")) {
            throw new IllegalArgumentException("mount option blksize is only for fuseblk mounts");
        }
        throw new IllegalArgumentException("unknown mount option \"" + option + "\" (known: fsname=, subtype=, allow_other, "
                + "default_permissions, max_read=, " + Arrays.stream(values()).map(MountFlagOption::word).collect(Collectors.joining(", "))
                + ", " + String.join("=, ", LABEL_KEYS) + "=)");
    }
}
