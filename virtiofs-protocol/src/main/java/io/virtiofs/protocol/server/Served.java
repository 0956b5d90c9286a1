package io.virtiofs.protocol.server;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link FuseRequestHandler} did with one request: the transport's whole instruction.
 *
 * <ul>
 * <li>{@link #replied()}: a complete reply is in the reply buffer, from the index the handler was
 *     given to the buffer's writer index; the transport sends exactly those bytes.
 * <li>{@link #noReply()}: the request takes no reply (FORGET, BATCH_FORGET, NOTIFY_REPLY, most
 *     INTERRUPTs), or its session is gone; nothing was written, nothing is sent.
 * <li>{@link #pending()}: the request waits on an asynchronous file system; the handler calls the
 *     {@link Completion} it was given exactly once, later and from any thread, with one of the
 *     others. Until then the transport keeps both buffers, and the memory they view, alive.
 * <li>{@link #noRoom()}: the request needs a reply and not even a bare {@code fuse_out_header}
 *     fits the room the transport gave; nothing was written. For virtio-fs this is a chain
 *     without room for any reply, a driver error that breaks the queue; a larger reply that does
 *     not fit is answered with an error reply instead ({@link #replied()}).
 * </ul>
 *
 * <p>A result may carry a {@link SessionEvent}: the request started a session (FUSE_INIT was
 * answered: {@link SessionEvent.Initialized}) or ended one (FUSE_DESTROY). The event takes effect
 * once the reply is sent: a /dev/fuse transport that serves the session over io_uring sets up its
 * rings only after the kernel has read the INIT reply.
 *
 * <p>The results without an event are constants, so the path of an ordinary request allocates
 * nothing here. (The reply's length is not carried: it is the reply buffer's writer index, which
 * the transport reads anyway.)
 */
public final class Served {

    /** The four kinds of result. */
    public enum Kind {
        REPLIED, NO_REPLY, PENDING, NO_ROOM
    }

    private static final Served REPLIED = new Served(Kind.REPLIED, null);
    private static final Served NO_REPLY = new Served(Kind.NO_REPLY, null);
    private static final Served PENDING = new Served(Kind.PENDING, null);
    private static final Served NO_ROOM = new Served(Kind.NO_ROOM, null);

    private final Kind kind;
    private final @Nullable SessionEvent event;

    private Served(Kind kind, @Nullable SessionEvent event) {
        this.kind = kind;
        this.event = event;
    }

    /** A complete reply was written into the reply buffer. */
    public static Served replied() {
        return REPLIED;
    }

    /** A complete reply was written, and the session changed. */
    public static Served replied(SessionEvent event) {
        return new Served(Kind.REPLIED, Objects.requireNonNull(event, "event"));
    }

    /** The request takes no reply; nothing was written. */
    public static Served noReply() {
        return NO_REPLY;
    }

    /** The request completes later, through its {@link Completion}. */
    public static Served pending() {
        return PENDING;
    }

    /** Not even a reply header fits the room given; nothing was written. */
    public static Served noRoom() {
        return NO_ROOM;
    }

    public Kind kind() {
        return kind;
    }

    /** Whether a reply was written (send it). */
    public boolean isReplied() {
        return kind == Kind.REPLIED;
    }

    /** Whether the request completes later. */
    public boolean isPending() {
        return kind == Kind.PENDING;
    }

    /** How the session changed with this request, if it did. */
    public Optional<SessionEvent> event() {
        return Optional.ofNullable(event);
    }

    @Override
    public boolean equals(Object other) {
        return this == other || other instanceof Served that && kind == that.kind && Objects.equals(event, that.event);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Objects.hashCode(event);
    }

    @Override
    public String toString() {
        return event == null ? kind.name() : kind + " " + event;
    }
}
