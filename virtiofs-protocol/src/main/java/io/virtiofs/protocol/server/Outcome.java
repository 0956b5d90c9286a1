package io.virtiofs.protocol.server;

/** What {@link FuseServer#handle} did with one request. */
public enum Outcome {
    /** A complete reply was written into the reply buffer (its length is in its header). */
    REPLIED,
    /** The request takes no reply (FORGET, BATCH_FORGET, NOTIFY_REPLY, most INTERRUPTs); nothing was written. */
    NO_REPLY,
    /**
     * Not even a bare {@code fuse_out_header} fits into the space the transport gave, so no
     * reply, not even an error, can be written; nothing was written. (A larger reply that does
     * not fit is answered with an error reply instead: {@link #REPLIED}.) For virtio-fs this is a
     * chain without room for any reply, a driver error that breaks the queue.
     */
    REPLY_TOO_LARGE
}
