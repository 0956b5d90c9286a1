package io.virtiofs.protocol.server;

import io.virtiofs.protocol.WireFormat;

/**
 * An initialized FUSE session: the wire format every later message uses, and what INIT settled.
 *
 * @param format byte order, negotiated minor and flags
 * @param negotiation the INIT outcome
 * @param limits the sizes its requests may name
 */
record Session(WireFormat format, Negotiation negotiation, RequestLimits limits) {

    Session(WireFormat format, Negotiation negotiation) {
        this(format, negotiation, RequestLimits.of(negotiation));
    }
}
