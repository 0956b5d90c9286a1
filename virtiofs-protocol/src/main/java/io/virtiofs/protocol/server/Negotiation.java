package io.virtiofs.protocol.server;

import io.virtiofs.api.Capability;
import io.virtiofs.protocol.InitFlag;
import io.virtiofs.protocol.InitFlags;
import io.virtiofs.protocol.ProtocolVersion;
import io.virtiofs.protocol.message.InitOut;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * What FUSE_INIT settled, readably: what the driver offered, what the session accepted, and why
 * each other capability was not accepted.
 *
 * @param driverVersion the version the driver speaks
 * @param version the negotiated version
 * @param offered INIT flags the driver offered
 * @param accepted INIT flags both sides use
 * @param notAccepted every flag offered or wanted but not accepted, with the reason
 * @param unknownOfferedBits offered flag bits this library does not know (ignored)
 * @param maxWrite largest write, bytes
 * @param maxPages largest request in pages (0 when MAX_PAGES is not accepted)
 * @param maxReadahead largest readahead, bytes
 * @param timeGranularity timestamp granularity, nanoseconds
 * @param maxBackground background requests
 * @param congestionThreshold background requests at which the driver reports congestion
 * @param mapAlignment log2 of the DAX mapping alignment (0 without MAP_ALIGNMENT)
 */
public record Negotiation(ProtocolVersion driverVersion, ProtocolVersion version, Set<InitFlag> offered,
                          Set<InitFlag> accepted, Map<InitFlag, String> notAccepted, long unknownOfferedBits,
                          int maxWrite, int maxPages, int maxReadahead, int timeGranularity, int maxBackground,
                          int congestionThreshold, int mapAlignment) {

    public Negotiation {
        offered = Set.copyOf(offered);
        accepted = Set.copyOf(accepted);
        notAccepted = Map.copyOf(notAccepted);
    }

    /** Whether both sides use {@code capability}. */
    public boolean accepts(Capability capability) {
        return accepted.contains(InitFlag.of(capability));
    }

    /** Whether both sides use {@code flag}. */
    public boolean accepts(InitFlag flag) {
        return accepted.contains(flag);
    }

    /** The INIT reply this negotiation sends. */
    InitOut toInitOut() {
        return new InitOut(version.major(), version.minor(), maxReadahead, InitFlags.flags(accepted), maxBackground,
                congestionThreshold, maxWrite, timeGranularity, maxPages, mapAlignment, 0, 0);
    }

    /** A multi-line account for logs and {@code --verbose} output. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        text.append("FUSE ").append(version).append(" (driver ").append(driverVersion).append(")\n");
        text.append("  max_write ").append(maxWrite).append(" bytes, max_pages ").append(maxPages)
                .append(", max_readahead ").append(maxReadahead).append(", time_gran ").append(timeGranularity)
                .append(" ns, max_background ").append(maxBackground).append(", congestion_threshold ")
                .append(congestionThreshold);
        if (mapAlignment != 0) {
            text.append(", map_alignment 2^").append(mapAlignment);
        }
        text.append('\n');
        StringJoiner acceptedNames = new StringJoiner(" ");
        for (InitFlag flag : InitFlag.values()) {
            if (accepted.contains(flag)) {
                acceptedNames.add(flag.name());
            }
        }
        text.append("  accepted: ").append(acceptedNames).append('\n');
        for (InitFlag flag : InitFlag.values()) {
            String reason = notAccepted.get(flag);
            if (reason != null) {
                text.append("  not accepted ").append(flag.name()).append(": ").append(reason).append('\n');
            }
        }
        if (unknownOfferedBits != 0) {
            text.append("  offered bits unknown to FUSE 7.45, ignored: 0x").append(Long.toHexString(unknownOfferedBits))
                    .append('\n');
        }
        return text.toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}
