package io.virtiofs.protocol.server;

import java.util.Objects;

/** How a request changed the FUSE session (see {@link Served#event()}). */
public sealed interface SessionEvent {

    /** FUSE_INIT was answered: a session started with what the negotiation settled. */
    record Initialized(Negotiation negotiation) implements SessionEvent {
        public Initialized {
            Objects.requireNonNull(negotiation, "negotiation");
        }
    }

    /** FUSE_DESTROY was answered: the session ended (a new FUSE_INIT may start another). */
    record Destroyed() implements SessionEvent {
    }
}
