package io.virtiofs.api;

/**
 * Where {@link FileSystem#readdir} puts directory entries: straight into the reply.
 */
@FunctionalInterface
public interface DirectorySink {

    /**
     * Adds one entry.
     *
     * @param ino the inode number shown to users ({@code d_ino})
     * @param nextOffset the offset to continue from after this entry (the driver passes it back
     *     as the next readdir's offset); must be stable while the directory changes
     * @param type the entry's type ({@code DT_*}: {@link FileType#direntType()}), or 0 if unknown
     * @param name the entry's name
     * @return false when the reply is full: this entry was not added, stop
     */
    boolean add(long ino, long nextOffset, int type, FileName name);
}
