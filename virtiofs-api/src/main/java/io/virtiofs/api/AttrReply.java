package io.virtiofs.api;

import java.time.Duration;
import java.util.Objects;

/**
 * Attributes and how long the driver may cache them ({@code struct fuse_attr_out}).
 *
 * @param attr the attributes
 * @param validity how long the driver may use them without asking again; {@link Duration#ZERO}
 *     for never
 */
public record AttrReply(Attr attr, Duration validity) {

    public AttrReply {
        Objects.requireNonNull(attr, "attr");
        Validity.check("validity", validity);
    }
}
