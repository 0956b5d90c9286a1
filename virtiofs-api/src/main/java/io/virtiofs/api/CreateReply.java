package io.virtiofs.api;

import java.util.Objects;

/**
 * The answer to create and tmpfile: the new node and the open file on it.
 *
 * @param entry the new node (counts one lookup)
 * @param open the open file
 */
public record CreateReply(Entry entry, OpenReply open) {

    public CreateReply {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(open, "open");
        if (entry.isNegative()) {
            throw new IllegalArgumentException("create must answer a node, not a negative entry");
        }
    }
}
