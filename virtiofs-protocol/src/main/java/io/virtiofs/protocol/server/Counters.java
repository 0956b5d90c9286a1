package io.virtiofs.protocol.server;

import io.virtiofs.protocol.Opcode;
import java.util.concurrent.atomic.LongAdder;

/** The live counters behind {@link ServerStatistics}. */
final class Counters {

    private static final int OPCODES = Opcode.values().length;

    private final LongAdder[] requests = adders();
    private final LongAdder[] errors = adders();
    final LongAdder malformed = new LongAdder();
    final LongAdder unknownOpcodes = new LongAdder();
    final LongAdder fileSystemFailures = new LongAdder();
    final LongAdder interrupts = new LongAdder();
    final LongAdder interruptsDelivered = new LongAdder();
    final LongAdder forgetAnomalies = new LongAdder();
    final LongAdder repliesTooLarge = new LongAdder();

    private static LongAdder[] adders() {
        LongAdder[] adders = new LongAdder[OPCODES];
        for (int i = 0; i < OPCODES; i++) {
            adders[i] = new LongAdder();
        }
        return adders;
    }

    void request(Opcode opcode) {
        requests[opcode.ordinal()].increment();
    }

    void error(Opcode opcode) {
        errors[opcode.ordinal()].increment();
    }

    ServerStatistics snapshot(long lookupsHeld) {
        long[] requestCounts = new long[OPCODES];
        long[] errorCounts = new long[OPCODES];
        for (int i = 0; i < OPCODES; i++) {
            requestCounts[i] = requests[i].sum();
            errorCounts[i] = errors[i].sum();
        }
        return new ServerStatistics(ServerStatistics.nonZero(requestCounts), ServerStatistics.nonZero(errorCounts),
                malformed.sum(), unknownOpcodes.sum(), fileSystemFailures.sum(), interrupts.sum(),
                interruptsDelivered.sum(), forgetAnomalies.sum(), repliesTooLarge.sum(), lookupsHeld);
    }
}
