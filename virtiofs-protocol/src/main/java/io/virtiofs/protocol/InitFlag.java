package io.virtiofs.protocol;

import io.virtiofs.api.Capability;
import java.util.Optional;

/**
 * Every FUSE INIT flag of FUSE 7.45 ({@code FUSE_ASYNC_READ} ... {@code FUSE_REQUEST_TIMEOUT}),
 * with its bit in the 64-bit flags word ({@code flags | flags2 << 32}).
 *
 * <p>The flags a file system may want or decline are also {@link Capability capabilities} of the
 * SPI (same names); the rest are the server's and the transport's business ({@link #capability()}
 * is empty for them): the server negotiates them itself.
 */
public enum InitFlag {
    ASYNC_READ(0),
    POSIX_LOCKS(1),
    /** Obsolete; never negotiated. */
    FILE_OPS(2),
    ATOMIC_O_TRUNC(3),
    EXPORT_SUPPORT(4),
    /** Writes larger than 4 KiB. */
    BIG_WRITES(5),
    DONT_MASK(6),
    /** Splice writes (/dev/fuse only; not used). */
    SPLICE_WRITE(7),
    /** Splice moves (/dev/fuse only; not used). */
    SPLICE_MOVE(8),
    /** Splice reads (/dev/fuse only; not used). */
    SPLICE_READ(9),
    FLOCK_LOCKS(10),
    HAS_IOCTL_DIR(11),
    AUTO_INVAL_DATA(12),
    DO_READDIRPLUS(13),
    READDIRPLUS_AUTO(14),
    ASYNC_DIO(15),
    WRITEBACK_CACHE(16),
    NO_OPEN_SUPPORT(17),
    PARALLEL_DIROPS(18),
    HANDLE_KILLPRIV(19),
    POSIX_ACL(20),
    ABORT_ERROR(21),
    /** {@code max_pages} in INIT is honoured (requests beyond 128 KiB). */
    MAX_PAGES(22),
    CACHE_SYMLINKS(23),
    NO_OPENDIR_SUPPORT(24),
    EXPLICIT_INVAL_DATA(25),
    /** {@code map_alignment} in INIT (DAX). */
    MAP_ALIGNMENT(26),
    SUBMOUNTS(27),
    HANDLE_KILLPRIV_V2(28),
    /** The extended setxattr request carries {@code setxattr_flags}. */
    SETXATTR_EXT(29),
    /** INIT carries a second 32-bit flags word. */
    INIT_EXT(30),
    /** Reserved; never negotiated. */
    INIT_RESERVED(31),
    SECURITY_CTX(32),
    HAS_INODE_DAX(33),
    CREATE_SUPP_GROUP(34),
    HAS_EXPIRE_ONLY(35),
    DIRECT_IO_ALLOW_MMAP(36),
    /** Passthrough I/O to backing files (/dev/fuse only; not supported). */
    PASSTHROUGH(37),
    NO_EXPORT_SUPPORT(38),
    /** The driver may resend pending requests (NOTIFY_RESEND). */
    HAS_RESEND(39),
    ALLOW_IDMAP(40),
    /** Requests over io_uring (/dev/fuse only, when the transport set up the rings). */
    OVER_IO_URING(41),
    /** The driver times requests out ({@code request_timeout} in INIT). */
    REQUEST_TIMEOUT(42);

    private static final InitFlag[] BY_CAPABILITY = byCapability();

    private final int bitIndex;
    private final Optional<Capability> capability;

    InitFlag(int bitIndex) {
        this.bitIndex = bitIndex;
        Capability same = null;
        for (Capability c : Capability.values()) {
            if (c.name().equals(name())) {
                same = c;
            }
        }
        this.capability = Optional.ofNullable(same);
    }

    private static InitFlag[] byCapability() {
        InitFlag[] table = new InitFlag[Capability.values().length];
        for (InitFlag flag : values()) {
            flag.capability.ifPresent(c -> table[c.ordinal()] = flag);
        }
        for (Capability c : Capability.values()) {
            if (table[c.ordinal()] == null) {
                throw new ExceptionInInitializerError("capability " + c + " has no INIT flag");
            }
        }
        return table;
    }

    /** The flag's bit in the 64-bit flags word. */
    public long bit() {
        return 1L << bitIndex;
    }

    /** The SPI capability of this flag; empty for the server's own flags. */
    public Optional<Capability> capability() {
        return capability;
    }

    /** The flag of a capability. */
    public static InitFlag of(Capability capability) {
        return BY_CAPABILITY[capability.ordinal()];
    }
}
