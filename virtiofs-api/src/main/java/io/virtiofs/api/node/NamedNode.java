package io.virtiofs.api.node;

import io.virtiofs.api.FileName;
import java.util.Objects;

/**
 * A directory's entry: a name and the node it names.
 *
 * @param name the name in the directory (never {@code "."} or {@code ".."})
 * @param node the node
 */
public record NamedNode(FileName name, Node node) {

    public NamedNode {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(node, "node");
        if (name.isDotOrDotDot()) {
            throw new IllegalArgumentException("\"" + name + "\" is not a child's name (the library lists it)");
        }
    }
}
