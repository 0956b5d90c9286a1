package io.virtiofs.api;

import org.jspecify.annotations.Nullable;

/**
 * Where {@link FileSystem#readdir} puts directory entries: straight into the reply.
 *
 * <p>The arguments come in the same order as {@link DirectoryPlusSink#add}'s: the name, where to
 * continue after it, then what it names.
 */
@FunctionalInterface
public interface DirectorySink {

    /**
     * Adds one entry.
     *
     * @param name the entry's name
     * @param nextOffset the offset to continue from after this entry (the driver passes it back
     *     as the next readdir's offset); must be stable while the directory changes
     * @param type the entry's type, or null when the file system does not know it
     *     ({@code DT_UNKNOWN}: the caller then asks with a lookup)
     * @param ino the inode number shown to users ({@code d_ino})
     * @return false when the reply is full: this entry was not added, stop
     */
    boolean add(FileName name, long nextOffset, @Nullable FileType type, long ino);
}
