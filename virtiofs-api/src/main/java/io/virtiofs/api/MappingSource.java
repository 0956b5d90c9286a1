package io.virtiofs.api;

/**
 * What a DAX mapping shows in the window.
 */
public sealed interface MappingSource {

    /**
     * A range of an open file descriptor of this process (as {@code mmap(2)} takes it). The
     * window maps the descriptor itself; the file system may close its descriptor afterwards.
     *
     * @param fd the descriptor
     */
    record FileDescriptor(int fd) implements MappingSource {
        public FileDescriptor {
            if (fd < 0) {
                throw new IllegalArgumentException("file descriptor " + fd + " is negative");
            }
        }
    }
}
