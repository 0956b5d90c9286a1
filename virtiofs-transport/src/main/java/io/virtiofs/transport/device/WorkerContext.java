package io.virtiofs.transport.device;

import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.transport.memory.MemoryTable;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * What every queue worker of one device shares.
 *
 * @param memoryTable the device's guest memory
 * @param handler where requests go
 * @param executor where request-queue requests run, or null to run them on the queue's worker
 * @param blockingExecutor where requests that may wait for other requests run (lock waits), so
 *     that no queue stalls behind them
 * @param spinIterations how long an idle worker polls the ring before it waits for a kick
 * @param onFailure told when a queue breaks or its worker fails
 * @param warnedNormalOnHiprio whether the "normal request on hiprio" warning was logged
 * @param threadNamePrefix worker thread names, the queue index appended
 */
record WorkerContext(MemoryTable memoryTable, FuseRequestHandler handler, @Nullable Executor executor,
                     Executor blockingExecutor, int spinIterations, BiConsumer<QueueSlot, Throwable> onFailure,
                     AtomicBoolean warnedNormalOnHiprio, String threadNamePrefix) {
}
