package io.virtiofs.s3.store;

import java.time.Instant;
import java.util.Objects;

/**
 * What a listing or a HEAD tells about one object.
 *
 * @param key the object's full key
 * @param size its size in bytes
 * @param lastModified when it was last written (the store's clock)
 * @param etag its entity tag, quoted as the store sends it; empty when unknown
 */
public record ObjectInfo(String key, long size, Instant lastModified, String etag) {

    public ObjectInfo {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(lastModified, "lastModified");
        Objects.requireNonNull(etag, "etag");
        if (size < 0) {
            throw new IllegalArgumentException("object " + key + " has negative size " + size);
        }
    }
}
