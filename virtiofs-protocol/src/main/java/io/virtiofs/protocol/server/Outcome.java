package io.virtiofs.protocol.server;

/** What {@link FuseServer#handle} did with one request. */
public enum Outcome {
    /** A complete reply was written into the reply buffer (its length is in its header). */
    REPLIED,
    /** The request takes no reply (FORGET, BATCH_FORGET, NOTIFY_REPLY, most INTERRUPTs); nothing was written. */
    NO_REPLY,
    /**
     * The reply does not fit into the space the transport gave (the driver offered too little);
     * nothing was written. For virtio-fs this is a driver error (the queue is marked broken).
     */
    REPLY_TOO_LARGE
}
