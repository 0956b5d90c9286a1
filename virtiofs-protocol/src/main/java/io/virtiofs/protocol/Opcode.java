package io.virtiofs.protocol;

import java.util.Optional;

/**
 * The FUSE request opcodes of protocol 7.45 ({@code enum fuse_opcode}), with their wire codes.
 */
public enum Opcode {
    LOOKUP(1, true, false),
    FORGET(2, false, true),
    GETATTR(3, true, false),
    SETATTR(4, true, false),
    READLINK(5, true, false),
    SYMLINK(6, true, false),
    MKNOD(8, true, false),
    MKDIR(9, true, false),
    UNLINK(10, true, false),
    RMDIR(11, true, false),
    RENAME(12, true, false),
    LINK(13, true, false),
    OPEN(14, true, false),
    READ(15, true, false),
    WRITE(16, true, false),
    STATFS(17, true, false),
    RELEASE(18, true, false),
    FSYNC(20, true, false),
    SETXATTR(21, true, false),
    GETXATTR(22, true, false),
    LISTXATTR(23, true, false),
    REMOVEXATTR(24, true, false),
    FLUSH(25, true, false),
    INIT(26, true, false),
    OPENDIR(27, true, false),
    READDIR(28, true, false),
    RELEASEDIR(29, true, false),
    FSYNCDIR(30, true, false),
    GETLK(31, true, false),
    SETLK(32, true, false),
    SETLKW(33, true, false),
    ACCESS(34, true, false),
    CREATE(35, true, false),
    INTERRUPT(36, false, true),
    BMAP(37, true, false),
    DESTROY(38, true, false),
    IOCTL(39, true, false),
    POLL(40, true, false),
    NOTIFY_REPLY(41, false, false),
    BATCH_FORGET(42, false, true),
    FALLOCATE(43, true, false),
    READDIRPLUS(44, true, false),
    RENAME2(45, true, false),
    LSEEK(46, true, false),
    COPY_FILE_RANGE(47, true, false),
    SETUPMAPPING(48, true, false),
    REMOVEMAPPING(49, true, false),
    SYNCFS(50, true, false),
    TMPFILE(51, true, false),
    STATX(52, true, false),
    COPY_FILE_RANGE_64(53, true, false);

    /** The highest opcode code this protocol version knows. */
    public static final int MAX_CODE = 53;

    private static final Optional<Opcode>[] BY_CODE = byCode();

    private final int code;
    private final boolean replies;
    private final boolean highPriority;

    Opcode(int code, boolean replies, boolean highPriority) {
        this.code = code;
        this.replies = replies;
        this.highPriority = highPriority;
    }

    @SuppressWarnings("unchecked")
    private static Optional<Opcode>[] byCode() {
        Optional<Opcode>[] table = new Optional[MAX_CODE + 1];
        java.util.Arrays.fill(table, Optional.empty());
        for (Opcode opcode : values()) {
            table[opcode.code] = Optional.of(opcode);
        }
        return table;
    }

    /** The wire code ({@code fuse_in_header.opcode}). */
    public int code() {
        return code;
    }

    /** Whether the driver expects a reply (FORGET, BATCH_FORGET, INTERRUPT and NOTIFY_REPLY get none). */
    public boolean replies() {
        return replies;
    }

    /**
     * Whether a virtio-fs driver sends this on the hiprio queue (FORGET, BATCH_FORGET, INTERRUPT;
     * virtio-fs specification, "Device Operation: High Priority Queue").
     */
    public boolean highPriority() {
        return highPriority;
    }

    /**
     * Whether serving this may wait until other requests are served (FUSE_SETLKW: a lock wait ends
     * when the holder's unlock or release is served). A transport runs such a request where it
     * blocks no queue or worker that must read those other requests.
     */
    public boolean mayBlock() {
        return this == SETLKW;
    }

    /** The opcode with this wire code; empty for codes FUSE 7.45 does not define. Allocates nothing. */
    public static Optional<Opcode> of(int code) {
        return code >= 0 && code <= MAX_CODE ? BY_CODE[code] : Optional.empty();
    }
}
