package io.virtiofs.s3.store;

import java.util.List;
import java.util.Optional;

/**
 * One page of a delimited listing (ListObjectsV2 with {@code delimiter=/}).
 *
 * @param objects the objects directly under the prefix (the prefix's own marker included, when
 *     there is one)
 * @param commonPrefixes the sub-prefixes, each ending in the delimiter
 * @param continuation where the next page starts, empty on the last page
 */
public record Listing(List<ObjectInfo> objects, List<String> commonPrefixes, Optional<String> continuation) {

    public Listing {
        objects = List.copyOf(objects);
        commonPrefixes = List.copyOf(commonPrefixes);
    }
}
