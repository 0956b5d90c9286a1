package io.virtiofs.protocol.migration;

/**
 * What a destination does when the file system's layer of a migrated state cannot be restored
 * (named after virtiofsd's {@code --migration-on-error}). A state whose framing or session layer
 * is broken is refused either way: there is no session to go on with.
 */
public enum MigrationOnError {
    /** Refuse the state: the migration fails and the guest goes on running on the source. */
    ABORT,
    /**
     * Take the session anyway, with the file system as it is: the migration completes and the
     * guest gets errors (ENOENT, EBADF) for the nodes and handles that did not come along.
     */
    GUEST_ERROR
}
