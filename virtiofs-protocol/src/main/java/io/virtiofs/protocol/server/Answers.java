package io.virtiofs.protocol.server;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import java.lang.System.Logger.Level;
import java.util.concurrent.CancellationException;

/**
 * Turns what serving a request ended with into its answer, in the three tiers of errors: a file
 * system's {@link ErrnoException} is an ordinary error reply; a {@link FileSystemMistake} or any
 * other exception from it is {@code EIO} and one ERROR line; a malformed request is its errno
 * (EINVAL, ENAMETOOLONG, ...); a reply that does not fit the driver's room is an error reply too.
 * Used for requests answered at once and for those an asynchronous file system completes later.
 */
final class Answers {

    private static final System.Logger LOG = System.getLogger(FuseServer.class.getName());

    private final Counters counters;

    Answers(Counters counters) {
        this.counters = counters;
    }

    /**
     * The answer to a request whose serving threw {@code thrown} (directly, or by completing its
     * stage exceptionally).
     *
     * @throws ReplyTooLarge when the request needs a reply and not even its header fits
     */
    Served failed(Exchange exchange, Opcode opcode, Throwable thrown) {
        if (thrown instanceof ReplyTooLarge tooLarge) {
            return replyDoesNotFit(exchange, opcode, tooLarge);
        }
        if (thrown instanceof MalformedRequestException malformed) {
            counters.malformed.increment();
            LOG.log(Level.DEBUG, "malformed request {0} ({1}): {2}", exchange.unique(), opcode, malformed.getMessage());
            return errorOrNothing(exchange, opcode, malformed.errno());
        }
        if (thrown instanceof ErrnoException answer) {
            return errorOrNothing(exchange, opcode, exchange.answerFor(answer.errno()));
        }
        if (thrown instanceof CancellationException) {
            // An asynchronous file system cancelled its stage: the request was given up.
            return errorOrNothing(exchange, opcode, exchange.answerFor(Errno.EINTR));
        }
        if (thrown instanceof FileSystemMistake mistake) {
            counters.fileSystemFailures.increment();
            LOG.log(Level.ERROR, mistake.getMessage() + "; answering EIO");
            return errorOrNothing(exchange, opcode, Errno.EIO);
        }
        if (thrown instanceof OutOfMemoryError) {
            counters.fileSystemFailures.increment();
            LOG.log(Level.ERROR, "request " + exchange.unique() + " (" + opcode + ") ran out of memory; answering ENOMEM",
                    thrown);
            return errorOrNothing(exchange, opcode, Errno.ENOMEM);
        }
        if (thrown instanceof Error fatal && !(fatal instanceof LinkageError || fatal instanceof AssertionError
                || fatal instanceof StackOverflowError)) {
            // A guest memory fault (InternalError) and the like are the transport's to handle.
            throw fatal;
        }
        // A bug: any other exception or error of the file system, or a checked exception, which
        // only an asynchronous stage can carry.
        counters.fileSystemFailures.increment();
        LOG.log(Level.ERROR, "request " + exchange.unique() + " (" + opcode + ") failed unexpectedly; answering EIO",
                thrown);
        return errorOrNothing(exchange, opcode, Errno.EIO);
    }

    /**
     * A reply that does not fit into the room the driver gave: an error reply to that request, as
     * long as a bare {@code fuse_out_header} fits (otherwise {@link Served#noRoom()}, through
     * {@link ReplyTooLarge}). GETXATTR and LISTXATTR answer ERANGE, what getxattr(2) says of a
     * buffer too small; every other request EINVAL: its buffers and its fields disagree.
     */
    Served replyDoesNotFit(Exchange exchange, Opcode opcode, ReplyTooLarge tooLarge) {
        if (opcode.replies() && exchange.replyRoom() < OutHeader.SIZE) {
            throw tooLarge;
        }
        counters.repliesTooLarge.increment();
        LOG.log(Level.DEBUG, "the reply to request {0} ({1}) does not fit the {2} bytes the driver gave",
                exchange.unique(), opcode, exchange.replyRoom());
        Errno errno = opcode == Opcode.GETXATTR || opcode == Opcode.LISTXATTR ? Errno.ERANGE : Errno.EINVAL;
        return errorOrNothing(exchange, opcode, errno);
    }

    /** An error reply, or nothing for a request that takes no reply. */
    Served errorOrNothing(Exchange exchange, Opcode opcode, Errno errno) {
        if (!opcode.replies()) {
            exchange.discardReply();
            return Served.noReply();
        }
        counters.error(opcode);
        exchange.replyError(errno);
        return Served.replied();
    }
}
