package io.virtiofs.api;

import java.time.Duration;
import java.util.Objects;

/**
 * The answer to statx ({@code struct fuse_statx_out}).
 *
 * @param statx the attributes
 * @param validity how long the driver may cache them
 */
public record StatxReply(Statx statx, Duration validity) {

    public StatxReply {
        Objects.requireNonNull(statx, "statx");
        Validity.check("validity", validity);
    }
}
