package io.virtiofs.protocol.server;

import io.virtiofs.api.DaxWindow;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link FuseServer} runs: limits it offers the driver in FUSE_INIT, and what its transport
 * provides (notifications, a DAX window). Transports build one; users pass their preferences
 * through the transport.
 *
 * @param maxWrite the largest write (and read) the transport's buffers carry, in bytes; offered
 *     as {@code max_write} and {@code max_pages}
 * @param maxReadahead the largest readahead to accept (the driver's offer is lowered to it)
 * @param maxBackground {@code max_background}: background requests the driver keeps in flight
 * @param congestionThreshold {@code congestion_threshold}
 * @param timeGranularity timestamp granularity offered, nanoseconds
 * @param notifications where notifications go, for transports that carry them
 * @param daxWindow the DAX window, for transports that have one
 * @param answerUnknownInterrupts whether an INTERRUPT for a request the server does not know yet
 *     is answered with EAGAIN (so the /dev/fuse driver sends it again); virtio-fs drivers expect
 *     no reply to an INTERRUPT
 * @param overIoUring whether the transport serves requests over io_uring when the driver offers
 *     it ({@code FUSE_OVER_IO_URING}); only a /dev/fuse transport that set up the rings can
 * @param sessionLogLevel the level of the lines that report a session's start and end: INFO, or
 *     DEBUG for a throwaway session (a warm-up) that a user should not mistake for a driver's
 * @param permissionsCheckedByDriver whether the driver checks every request's permissions
 *     itself with all of the caller's groups ({@code default_permissions}; every virtio-fs
 *     guest): {@link io.virtiofs.api.Context#permissionsCheckedByDriver()}
 * @param callerGroups where {@link io.virtiofs.api.Context#isInGroup} learns supplementary
 *     groups the request does not carry (a /dev/fuse transport); empty where nothing can
 * @param observer told of every request finished (operation, errno, latency), for metrics;
 *     empty for none (then nothing is measured)
 */
public record FuseServerConfig(int maxWrite, int maxReadahead, int maxBackground, int congestionThreshold,
                               int timeGranularity, Optional<NotificationSink> notifications,
                               Optional<DaxWindow> daxWindow, boolean answerUnknownInterrupts,
                               boolean overIoUring, System.Logger.Level sessionLogLevel,
                               boolean permissionsCheckedByDriver, Optional<CallerGroups> callerGroups,
                               Optional<RequestObserver> observer) {

    /** The smallest max_write FUSE allows. */
    public static final int MIN_MAX_WRITE = 4096;
    /** The largest request FUSE 7.45 allows: FUSE_MAX_MAX_PAGES (256) pages of 4 KiB. */
    public static final int MAX_MAX_WRITE = 256 * 4096;

    public FuseServerConfig {
        if (maxWrite < MIN_MAX_WRITE || maxWrite > MAX_MAX_WRITE) {
            throw new IllegalArgumentException("maxWrite " + maxWrite + " is outside " + MIN_MAX_WRITE + ".." + MAX_MAX_WRITE);
        }
        if (maxReadahead < 0) {
            throw new IllegalArgumentException("maxReadahead " + maxReadahead + " is negative");
        }
        if (maxBackground < 1 || maxBackground > 0xffff) {
            throw new IllegalArgumentException("maxBackground " + maxBackground + " is outside 1..65535");
        }
        if (congestionThreshold < 1 || congestionThreshold > maxBackground) {
            throw new IllegalArgumentException("congestionThreshold " + congestionThreshold + " is outside 1..maxBackground");
        }
        if (timeGranularity < 1 || timeGranularity > 1_000_000_000) {
            throw new IllegalArgumentException("timeGranularity " + timeGranularity + " is outside 1..1000000000");
        }
        Objects.requireNonNull(notifications, "notifications");
        Objects.requireNonNull(daxWindow, "daxWindow");
        Objects.requireNonNull(sessionLogLevel, "sessionLogLevel");
        Objects.requireNonNull(callerGroups, "callerGroups");
        Objects.requireNonNull(observer, "observer");
    }

    /** This configuration with {@link #permissionsCheckedByDriver()} set to {@code checked}. */
    public FuseServerConfig withPermissionsCheckedByDriver(boolean checked) {
        return new FuseServerConfig(maxWrite, maxReadahead, maxBackground, congestionThreshold, timeGranularity,
                notifications, daxWindow, answerUnknownInterrupts, overIoUring, sessionLogLevel, checked, callerGroups,
                observer);
    }

    /** This configuration with {@code observer} told of every request finished. */
    public FuseServerConfig withObserver(RequestObserver observer) {
        return new FuseServerConfig(maxWrite, maxReadahead, maxBackground, congestionThreshold, timeGranularity,
                notifications, daxWindow, answerUnknownInterrupts, overIoUring, sessionLogLevel,
                permissionsCheckedByDriver, callerGroups, Optional.of(observer));
    }

    /** This configuration with {@code window} as the DAX window. */
    public FuseServerConfig withDaxWindow(DaxWindow window) {
        return new FuseServerConfig(maxWrite, maxReadahead, maxBackground, congestionThreshold, timeGranularity,
                notifications, Optional.of(window), answerUnknownInterrupts, overIoUring, sessionLogLevel,
                permissionsCheckedByDriver, callerGroups, observer);
    }

    /** A builder with the defaults: 1 MiB writes, 1 MiB readahead, 64 background requests, ns timestamps. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults. */
    public static FuseServerConfig defaults() {
        return builder().build();
    }

    /** Builds a {@link FuseServerConfig}. */
    public static final class Builder {
        private int maxWrite = MAX_MAX_WRITE;
        private int maxReadahead = MAX_MAX_WRITE;
        private int maxBackground = 64;
        private int congestionThreshold = 48;
        private int timeGranularity = 1;
        private Optional<NotificationSink> notifications = Optional.empty();
        private Optional<DaxWindow> daxWindow = Optional.empty();
        private boolean answerUnknownInterrupts;
        private boolean overIoUring;
        private System.Logger.Level sessionLogLevel = System.Logger.Level.INFO;
        private boolean permissionsCheckedByDriver;
        private Optional<CallerGroups> callerGroups = Optional.empty();
        private Optional<RequestObserver> observer = Optional.empty();

        private Builder() {
        }

        public Builder maxWrite(int bytes) {
            maxWrite = bytes;
            return this;
        }

        public Builder maxReadahead(int bytes) {
            maxReadahead = bytes;
            return this;
        }

        public Builder maxBackground(int requests, int congestionThreshold) {
            this.maxBackground = requests;
            this.congestionThreshold = congestionThreshold;
            return this;
        }

        public Builder timeGranularity(int nanoseconds) {
            timeGranularity = nanoseconds;
            return this;
        }

        public Builder notifications(NotificationSink sink) {
            notifications = Optional.of(sink);
            return this;
        }

        public Builder daxWindow(DaxWindow window) {
            daxWindow = Optional.of(window);
            return this;
        }

        public Builder answerUnknownInterrupts(boolean answer) {
            answerUnknownInterrupts = answer;
            return this;
        }

        public Builder overIoUring(boolean served) {
            overIoUring = served;
            return this;
        }

        public Builder sessionLogLevel(System.Logger.Level level) {
            sessionLogLevel = level;
            return this;
        }

        public Builder permissionsCheckedByDriver(boolean checked) {
            permissionsCheckedByDriver = checked;
            return this;
        }

        public Builder callerGroups(CallerGroups groups) {
            callerGroups = Optional.of(groups);
            return this;
        }

        /** Where every finished request is reported (operation, errno, latency); see {@link RequestObserver}. */
        public Builder observer(RequestObserver requestObserver) {
            observer = Optional.of(requestObserver);
            return this;
        }

        public FuseServerConfig build() {
            return new FuseServerConfig(maxWrite, maxReadahead, maxBackground, congestionThreshold, timeGranularity,
                    notifications, daxWindow, answerUnknownInterrupts, overIoUring, sessionLogLevel,
                    permissionsCheckedByDriver, callerGroups, observer);
        }
    }
}
