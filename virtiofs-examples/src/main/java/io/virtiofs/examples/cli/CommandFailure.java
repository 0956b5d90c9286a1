package io.virtiofs.examples.cli;

/** A command that could not do its job (missing /dev/fuse, a busy socket path): one line, exit status 1. */
final class CommandFailure extends Exception {

    private static final long serialVersionUID = 1L;

    CommandFailure(String message) {
        super(message);
    }

    CommandFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
