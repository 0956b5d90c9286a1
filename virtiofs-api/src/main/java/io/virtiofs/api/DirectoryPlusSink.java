package io.virtiofs.api;

/**
 * Where {@link FileSystem#readdirplus} puts directory entries with their nodes.
 *
 * <p>The arguments come in the same order as {@link DirectorySink#add}'s: the name, where to
 * continue after it, then what it names.
 */
@FunctionalInterface
public interface DirectoryPlusSink {

    /**
     * Adds one entry with its node, as a lookup of {@code name} would answer it.
     *
     * <p>An accepted entry with a non-zero nodeid counts one lookup, except for {@code "."}
     * and {@code ".."}, which the driver does not count. A rejected entry (false) counts nothing.
     *
     * @param name the entry's name
     * @param nextOffset the offset to continue from after this entry
     * @param entry the node; {@link Entry#negative} (nodeid 0) to give only the name
     * @return false when the reply is full: this entry was not added, stop
     */
    boolean add(FileName name, long nextOffset, Entry entry);
}
