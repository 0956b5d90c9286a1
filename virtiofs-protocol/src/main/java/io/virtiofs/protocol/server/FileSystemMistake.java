package io.virtiofs.protocol.server;

import io.virtiofs.api.AttrReply;
import io.virtiofs.api.Entry;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.FileType;

/**
 * A reply the file system made that the driver would reject, or that would break more than the
 * request: caught before it is encoded, answered {@code EIO}, and logged in one line naming the
 * operation and the node (no stack trace: the line says all there is).
 *
 * <p>The mistakes: an {@link io.virtiofs.api.Attr} whose mode has no file type (Linux answers
 * such a reply with EIO and may mark the node bad), and an entry that gives nodeid 1, the root's,
 * to another node (Linux then finds the root inode with another node's type, marks it bad, and
 * the whole mount answers EIO from then on).
 */
final class FileSystemMistake extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private FileSystemMistake(String message) {
        super(message, null, false, false);
    }

    /**
     * Checks an entry the file system answered to {@code exchange}'s request.
     *
     * @param mayBeRoot whether the entry may be the root itself (a lookup of "." or "..")
     */
    static void checkEntry(Exchange exchange, Entry entry, boolean mayBeRoot) {
        if (entry.isNegative()) {
            return;
        }
        if (entry.nodeid() == FileSystem.ROOT_ID && !mayBeRoot) {
            throw new FileSystemMistake(describe(exchange) + ": the file system answered nodeid 1, the root's, for "
                    + "another node (an entry's nodeid must not be 1 unless it is the root)");
        }
        if (FileType.direntTypeOfMode(entry.attr().mode()) == 0) {
            throw new FileSystemMistake(describe(exchange) + ": the file system answered node " + entry.nodeid()
                    + " with an Attr whose mode 0" + Integer.toOctalString(entry.attr().mode()) + " has no file type");
        }
    }

    /** Checks the attributes the file system answered to {@code exchange}'s request. */
    static void checkAttr(Exchange exchange, AttrReply reply) {
        if (FileType.direntTypeOfMode(reply.attr().mode()) == 0) {
            throw new FileSystemMistake(describe(exchange) + ": the file system answered an Attr whose mode 0"
                    + Integer.toOctalString(reply.attr().mode()) + " has no file type");
        }
    }

    private static String describe(Exchange exchange) {
        return exchange.opcode() + " of node " + exchange.nodeid() + " (request " + exchange.unique() + ")";
    }
}
