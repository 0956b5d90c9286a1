package io.virtiofs.protocol.server;

import io.virtiofs.protocol.Opcode;
import java.util.EnumMap;
import java.util.Map;

/**
 * A snapshot of a server's counters.
 *
 * @param requests requests served, by opcode
 * @param errors error replies, by opcode
 * @param malformed requests that broke the wire format (answered EINVAL, ENAMETOOLONG, EPROTO, ...)
 * @param unknownOpcodes requests with an opcode FUSE 7.45 does not define (answered ENOSYS)
 * @param fileSystemFailures unexpected exceptions from the file system (answered EIO)
 * @param interrupts FUSE_INTERRUPTs received
 * @param interruptsDelivered interrupts that found their request running
 * @param forgetAnomalies forgets of more lookups than the driver held (clamped)
 * @param repliesTooLarge replies that did not fit the driver's writable space
 * @param lookupsHeld nodes whose lookups the driver holds now
 */
public record ServerStatistics(Map<Opcode, Long> requests, Map<Opcode, Long> errors, long malformed,
                               long unknownOpcodes, long fileSystemFailures, long interrupts,
                               long interruptsDelivered, long forgetAnomalies, long repliesTooLarge,
                               long lookupsHeld) {

    public ServerStatistics {
        requests = Map.copyOf(requests);
        errors = Map.copyOf(errors);
    }

    /** Requests served with {@code opcode}. */
    public long requests(Opcode opcode) {
        return requests.getOrDefault(opcode, 0L);
    }

    /** Error replies to {@code opcode}. */
    public long errors(Opcode opcode) {
        return errors.getOrDefault(opcode, 0L);
    }

    /** Requests served, all opcodes. */
    public long totalRequests() {
        return requests.values().stream().mapToLong(Long::longValue).sum();
    }

    static Map<Opcode, Long> nonZero(long[] counts) {
        Map<Opcode, Long> map = new EnumMap<>(Opcode.class);
        for (Opcode opcode : Opcode.values()) {
            long count = counts[opcode.ordinal()];
            if (count != 0) {
                map.put(opcode, count);
            }
        }
        return map;
    }
}
