package io.virtiofs.examples.memfs;

import io.virtiofs.api.Attr;
import java.time.Duration;
import java.time.Instant;

/**
 * When reading a file (read, readdir, readlink) updates its access time, as the Linux mount
 * options {@code strictatime}, {@code relatime} and {@code noatime} choose. A read through a file
 * opened with {@code O_NOATIME} never updates it.
 */
public enum AtimePolicy {
    /** Every read updates the access time (POSIX). */
    STRICT,
    /**
     * A read updates the access time when it is not after the modification or change time, or is
     * a day old: {@code ls -lu} and mail readers still work, and repeated reads cost nothing (the
     * Linux default).
     */
    RELATIME,
    /** Reads never update the access time. */
    NEVER;

    private static final Duration RELATIME_MAX_AGE = Duration.ofDays(1);

    /**
     * A lock-free first look at the published attributes: false when a read surely leaves the
     * access time alone, so the common case (repeated reads under relatime) takes no lock.
     */
    boolean mayUpdate(Attr attr, Instant now) {
        return switch (this) {
            case STRICT -> true;
            case NEVER -> false;
            case RELATIME -> compare(attr.atime(), attr.atimeNsec(), attr.mtime(), attr.mtimeNsec()) <= 0
                    || compare(attr.atime(), attr.atimeNsec(), attr.ctime(), attr.ctimeNsec()) <= 0
                    || now.getEpochSecond() - attr.atime() >= RELATIME_MAX_AGE.getSeconds();
        };
    }

    private static int compare(long seconds, int nanos, long otherSeconds, int otherNanos) {
        int bySeconds = Long.compare(seconds, otherSeconds);
        return bySeconds != 0 ? bySeconds : Integer.compare(nanos, otherNanos);
    }

    /** Whether a read at {@code now} should update {@code atime}, given the other two times. */
    boolean shouldUpdate(Instant atime, Instant mtime, Instant ctime, Instant now) {
        return switch (this) {
            case STRICT -> true;
            case NEVER -> false;
            case RELATIME -> !atime.isAfter(mtime) || !atime.isAfter(ctime)
                    || !atime.plus(RELATIME_MAX_AGE).isAfter(now);
        };
    }
}
