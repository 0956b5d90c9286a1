package io.virtiofs.passthrough;

import java.time.Duration;
import java.util.Locale;

/**
 * How long the guest may cache what it learned, as virtiofsd's {@code --cache}: names and
 * attributes, file data, directory listings.
 */
public enum CachePolicy {
    /** Nothing is cached: every access asks the host (and file data bypasses the guest's page cache). */
    NEVER(Duration.ZERO, true, false),
    /** Names and attributes for a day; file data is not cached. */
    METADATA(Duration.ofDays(1), true, false),
    /** Names and attributes for a second; file data until the file changes or is opened again. */
    AUTO(Duration.ofSeconds(1), false, false),
    /** Names and attributes for a day; file data and directory listings are kept across opens. */
    ALWAYS(Duration.ofDays(1), false, true);

    private final Duration timeout;
    private final boolean directIo;
    private final boolean keepCache;

    CachePolicy(Duration timeout, boolean directIo, boolean keepCache) {
        this.timeout = timeout;
        this.directIo = directIo;
        this.keepCache = keepCache;
    }

    /** How long the guest may keep names and attributes. */
    public Duration timeout() {
        return timeout;
    }

    /** Whether opens bypass the guest's page cache (FOPEN_DIRECT_IO). */
    public boolean directIo() {
        return directIo;
    }

    /** Whether opens keep what the guest cached before (FOPEN_KEEP_CACHE, FOPEN_CACHE_DIR). */
    public boolean keepCache() {
        return keepCache;
    }

    /**
     * The policy named as virtiofsd names it: never (also "none"), metadata, auto, always.
     *
     * @throws IllegalArgumentException for any other name
     */
    public static CachePolicy parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "never", "none" -> NEVER;
            case "metadata" -> METADATA;
            case "auto" -> AUTO;
            case "always" -> ALWAYS;
            default -> throw new IllegalArgumentException("--cache " + name + " is not one of auto, always, metadata, never");
        };
    }
}
