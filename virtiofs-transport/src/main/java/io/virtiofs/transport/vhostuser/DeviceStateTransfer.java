package io.virtiofs.transport.vhostuser;

import io.virtiofs.protocol.migration.DeviceState;
import io.virtiofs.protocol.migration.MigrationOnError;
import io.virtiofs.transport.device.VirtioFsDevice;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The back-end's side of vhost-user's device-state transfer (vhost-user.rst, "Migrating
 * back-end state"): SET_DEVICE_STATE_FD starts writing the state into the front-end's channel
 * (save, on the source) or reading it (load, on the destination) on a thread of its own, and
 * answers at once, since the front-end reads or writes the other end before it asks anything
 * else; CHECK_DEVICE_STATE waits for that thread and answers whether it succeeded.
 *
 * <p>Both directions need the device suspended (every vring stopped): the state then describes
 * no request in flight. A failure is logged with its reason (the front-end's error only says
 * that the back-end failed) and leaves the source serving: a save changes nothing.
 */
final class DeviceStateTransfer {

    private static final System.Logger LOG = System.getLogger(DeviceStateTransfer.class.getName());
    /** {@code VHOST_TRANSFER_STATE_DIRECTION_SAVE}. */
    static final int SAVE = 0;
    /** {@code VHOST_TRANSFER_STATE_DIRECTION_LOAD}. */
    static final int LOAD = 1;
    /** {@code VHOST_TRANSFER_STATE_PHASE_STOPPED}. */
    static final int STOPPED = 0;
    /** Reply bit 8: no descriptor comes back (the front-end's channel is used). */
    static final long NO_FD = 0x100;
    /** Reply bits 0-7 of a failure. */
    static final long FAILED = 1;

    private final DeviceState state;
    private final VirtioFsDevice device;
    private final MigrationOnError onError;
    private @Nullable Thread transfer;
    private final AtomicReference<Optional<String>> outcome = new AtomicReference<>(Optional.of("no transfer was started"));

    DeviceStateTransfer(DeviceState state, VirtioFsDevice device, MigrationOnError onError) {
        this.state = state;
        this.device = device;
        this.onError = onError;
    }

    /**
     * SET_DEVICE_STATE_FD: starts the transfer over {@code fd} (taken over and closed when done).
     *
     * @return the reply: {@link #NO_FD} on success, {@code NO_FD | FAILED} on refusal
     */
    long begin(int direction, int phase, int fd) {
        if (direction != SAVE && direction != LOAD || phase != STOPPED) {
            ReceivedFds.closeQuietly(fd);
            return refuse("transfer direction " + Integer.toUnsignedString(direction) + " in phase "
                    + Integer.toUnsignedString(phase) + " (this back-end saves (0) and loads (1) in the stopped phase (0))");
        }
        awaitTransfer();
        for (int queue = 0; queue < device.queueCount(); queue++) {
            if (device.isQueueRunning(queue)) {
                ReceivedFds.closeQuietly(fd);
                return refuse("vring " + queue + " still runs: the device state is transferred only while every"
                        + " vring is stopped");
            }
        }
        TransferChannel channel;
        try {
            channel = new TransferChannel(fd);
        } catch (IOException e) {
            return refuse(e.getMessage());
        }
        String what = direction == SAVE ? "saving" : "loading";
        outcome.set(Optional.of(what + " has not finished"));
        Thread thread = Thread.ofPlatform().name("vhost-user-state-" + (direction == SAVE ? "save" : "load"))
                .unstarted(() -> run(direction, channel, what));
        transfer = thread;
        thread.start();
        return NO_FD;
    }

    private void run(int direction, TransferChannel channel, String what) {
        long started = System.nanoTime();
        try (channel) {
            if (direction == SAVE) {
                state.saveState(channel);
            } else {
                state.loadState(channel, onError);
            }
            outcome.set(Optional.empty());
            LOG.log(System.Logger.Level.INFO, "device state: {0} done in {1} ms", what,
                    (System.nanoTime() - started) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            String why = what + " the device state failed: " + e.getMessage();
            outcome.set(Optional.of(why));
            // A state the front-end sent that cannot be loaded is its fault (a warning); a save that
            // fails, or a bug anywhere, is ours.
            LOG.log(direction == LOAD && e instanceof IOException ? System.Logger.Level.WARNING : System.Logger.Level.ERROR,
                    why + (direction == SAVE ? " (the source goes on serving)" : ""), e instanceof RuntimeException ? e : null);
        }
    }

    private long refuse(String why) {
        outcome.set(Optional.of(why));
        LOG.log(System.Logger.Level.WARNING, "SET_DEVICE_STATE_FD refused: " + why);
        return NO_FD | FAILED;
    }

    /** CHECK_DEVICE_STATE: waits for the transfer; 0 when it succeeded, 1 otherwise (the reason is logged). */
    long check() {
        awaitTransfer();
        Optional<String> failure = outcome.get();
        failure.ifPresent(why -> LOG.log(System.Logger.Level.WARNING, "CHECK_DEVICE_STATE answers failure: " + why));
        return failure.isPresent() ? FAILED : 0;
    }

    private void awaitTransfer() {
        Thread running = transfer;
        if (running == null) {
            return;
        }
        try {
            running.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        transfer = null;
    }

    /** Waits for a transfer still running (the connection ends: its channel's other end is gone or closes). */
    void close() {
        awaitTransfer();
    }
}
