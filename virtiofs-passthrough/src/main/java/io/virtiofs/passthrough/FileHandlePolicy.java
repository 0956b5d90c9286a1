package io.virtiofs.passthrough;

import java.util.Locale;

/**
 * Whether nodes are held by file handles ({@code name_to_handle_at(2)}) rather than by an open
 * {@code O_PATH} descriptor each, as virtiofsd's {@code --inode-file-handles}. A handle costs no
 * descriptor while the guest holds the node, but every request on the node opens it again
 * ({@code open_by_handle_at(2)}, which needs CAP_DAC_READ_SEARCH).
 */
public enum FileHandlePolicy {
    /**
     * The default: an O_PATH descriptor per node while the descriptor cap allows (fastest: a
     * request uses the node's descriptor as it is), then file handles for the nodes past it, where
     * the host file system gives them and the process may open them (root); only then ENFILE.
     */
    OVERFLOW,
    /** Always an O_PATH descriptor per node; past the descriptor cap a lookup fails with ENFILE. */
    NEVER,
    /** A file handle where the host file system gives one, else a descriptor. */
    PREFER,
    /** Always a file handle; a node whose file system gives none cannot be looked up (EOPNOTSUPP). */
    MANDATORY;

    /**
     * The policy named as virtiofsd names it: never, prefer (also "fallback"), mandatory; or
     * overflow (this library's default).
     *
     * @throws IllegalArgumentException for any other name
     */
    public static FileHandlePolicy parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "never" -> NEVER;
            case "overflow" -> OVERFLOW;
            case "prefer", "fallback" -> PREFER;
            case "mandatory" -> MANDATORY;
            default -> throw new IllegalArgumentException("--inode-file-handles " + name
                    + " is not one of never, prefer, mandatory, overflow");
        };
    }
}
