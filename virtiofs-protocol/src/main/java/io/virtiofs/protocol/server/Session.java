package io.virtiofs.protocol.server;

import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.message.InitIn;

/**
 * An initialized FUSE session: the wire format every later message uses, and what INIT settled.
 *
 * @param format byte order, negotiated minor and flags
 * @param negotiation the INIT outcome
 * @param limits the sizes its requests may name
 * @param init the driver's INIT request (a migrated session replays it on the destination)
 */
record Session(WireFormat format, Negotiation negotiation, RequestLimits limits, InitIn init) {

    Session(WireFormat format, Negotiation negotiation, InitIn init) {
        this(format, negotiation, RequestLimits.of(negotiation), init);
    }
}
