package io.virtiofs.protocol;

import java.util.Optional;

/**
 * The FUSE notification codes of protocol 7.45 ({@code enum fuse_notify_code}): a notification is
 * a message from the server with {@code fuse_out_header.unique} 0 and the code in
 * {@code fuse_out_header.error}.
 */
public enum NotifyCode {
    /** FUSE_NOTIFY_POLL: wake a poll waiter ({@code struct fuse_notify_poll_wakeup_out}). */
    POLL(1),
    /** FUSE_NOTIFY_INVAL_INODE: drop cached attributes and data ({@code struct fuse_notify_inval_inode_out}). */
    INVAL_INODE(2),
    /** FUSE_NOTIFY_INVAL_ENTRY: drop a cached name ({@code struct fuse_notify_inval_entry_out}). */
    INVAL_ENTRY(3),
    /** FUSE_NOTIFY_STORE: put data into the page cache ({@code struct fuse_notify_store_out}). */
    STORE(4),
    /** FUSE_NOTIFY_RETRIEVE: ask for cached data back ({@code struct fuse_notify_retrieve_out}). */
    RETRIEVE(5),
    /** FUSE_NOTIFY_DELETE: a name was removed ({@code struct fuse_notify_delete_out}). */
    DELETE(6),
    /** FUSE_NOTIFY_RESEND (7.40): resend every pending request; no body. */
    RESEND(7),
    /** FUSE_NOTIFY_INC_EPOCH (7.44): invalidate all cached dentries; no body. */
    INC_EPOCH(8),
    /** FUSE_NOTIFY_PRUNE (7.45): forget unused nodes ({@code struct fuse_notify_prune_out}). */
    PRUNE(9);

    /** The highest notification code this protocol version knows. */
    public static final int MAX_CODE = 9;

    private static final NotifyCode[] VALUES = values();

    private final int code;

    NotifyCode(int code) {
        this.code = code;
    }

    /** The wire code. */
    public int code() {
        return code;
    }

    /** The notification with this wire code; empty for codes FUSE 7.45 does not define. */
    public static Optional<NotifyCode> of(int code) {
        return code >= 1 && code <= MAX_CODE ? Optional.of(VALUES[code - 1]) : Optional.empty();
    }
}
