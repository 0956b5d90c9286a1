package io.virtiofs.transport.vhostuser;

import io.virtiofs.api.Errno;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.NodeCalls;
import io.virtiofs.transport.internal.nativeio.StatxBuffer;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks on the descriptors a front-end sends, made when they arrive, so that a wrong one is
 * refused with its message instead of failing later in a queue's thread.
 *
 * <ul>
 * <li>Kick, call and err descriptors must be eventfds ({@code /proc/self/fd/N} names
 *     {@code anon_inode:[eventfd]}; in a sandbox without /proc, an anonymous inode, whose
 *     {@code statx} shows no file type, is accepted): a worker would otherwise poll a file that is always readable
 *     and fail to read it, or block writing a pipe. Each is made non-blocking (the flag is shared
 *     with the front-end's copy; QEMU makes its eventfds non-blocking anyway), so neither a
 *     front-end that reads its own kick counter away nor one that fills its call counter to the
 *     maximum can make a worker wait.
 * <li>Guest memory must be a regular file (memfd, tmpfs, hugetlbfs), and one that cannot shrink
 *     under the mapping: a store into a page past the end of the file raises SIGBUS. Memory already
 *     sealed with {@code F_SEAL_SHRINK} (QEMU's {@code memory-backend-memfd} does it) is accepted;
 *     memory that allows sealing is sealed against shrinking here; memory that cannot be sealed (a
 *     plain file, a memfd made without {@code MFD_ALLOW_SEALING}) is refused unless the back-end
 *     was built to accept it ({@link VhostUserBackend.Builder#acceptUnsealedMemory}); then a
 *     front-end that cuts it short breaks the queues that touch it (DEVICE_NEEDS_RESET).
 * </ul>
 *
 * <p>Files are examined through the descriptor itself ({@code statx} with {@code AT_EMPTY_PATH}),
 * not through {@code /proc}: a back-end in a chroot sandbox has no /proc.
 */
final class FrontEndDescriptors {

    private static final System.Logger LOG = System.getLogger(FrontEndDescriptors.class.getName());
    private static final String EVENTFD = "anon_inode:[eventfd]";

    private FrontEndDescriptors() {
    }

    /** What {@code /proc/self/fd/N} says descriptor {@code fd} is, for messages. */
    static String describe(int fd) {
        try {
            return Files.readSymbolicLink(procPath(fd)).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return "descriptor " + fd + " (unknown kind: " + e.getMessage() + ")";
        }
    }

    private static Path procPath(int fd) {
        return Path.of("/proc/self/fd/" + fd);
    }

    /**
     * Checks that {@code fd} is an eventfd and makes it non-blocking.
     *
     * @throws VhostUserProtocolException {@link ProtocolFault#INVALID_FIELD} otherwise
     */
    static void requireEventFd(int fd, String what) throws VhostUserProtocolException {
        String kind;
        try {
            kind = Files.readSymbolicLink(procPath(fd)).toString();
        } catch (IOException | UnsupportedOperationException noProc) {
            // No /proc (a chroot sandbox): an anonymous inode, which has no file type, at least.
            int mode = stat(fd, what).mode();
            kind = (mode & 0170000) == 0 ? EVENTFD : "a file of mode 0" + Integer.toOctalString(mode);
        }
        if (!kind.equals(EVENTFD)) {
            throw new VhostUserProtocolException(ProtocolFault.INVALID_FIELD, what + " is not an eventfd but " + kind);
        }
        try {
            int flags = FileCalls.fcntl(fd, FileCalls.F_GETFL, 0);
            if ((flags & FileCalls.O_NONBLOCK) == 0) {
                FileCalls.fcntl(fd, FileCalls.F_SETFL, flags | FileCalls.O_NONBLOCK);
            }
        } catch (NativeException e) {
            throw new VhostUserProtocolException(ProtocolFault.INVALID_FIELD, what + ": " + e.getMessage());
        }
    }

    /**
     * Checks that {@code fd} can back {@code region} for as long as it is mapped: a regular file
     * that cannot shrink (sealing it if it allows) and that holds the whole region.
     *
     * @param acceptUnsealed whether to accept memory that cannot be sealed against shrinking
     * @throws VhostUserProtocolException {@link ProtocolFault#MEMORY} otherwise
     */
    static void guardMemory(MemoryRegion region, int fd, boolean acceptUnsealed) throws VhostUserProtocolException {
        if ((stat(fd, "the file of " + region).mode() & 0170000) != 0100000) {
            throw new VhostUserProtocolException(ProtocolFault.MEMORY, region + " is backed by " + describe(fd)
                    + ", not a regular file");
        }
        if (!sealedAgainstShrinking(fd)) {
            if (!acceptUnsealed) {
                throw new VhostUserProtocolException(ProtocolFault.MEMORY, region + " is backed by " + describe(fd)
                        + ", which can shrink under the mapping and cannot be sealed (F_SEAL_SHRINK): a front-end that"
                        + " cut it short would crash this process. Give memory that allows sealing (QEMU:"
                        + " -object memory-backend-memfd), or accept the risk (serve --accept-unsealed-memory)");
            }
            LOG.log(System.Logger.Level.WARNING, "{0} is backed by {1}, which can shrink under the mapping; accepted as"
                    + " configured: a front-end that cuts it short resets the device", region, describe(fd));
        }
        // Sized after sealing, so the size cannot change between the check and the mapping.
        long fileSize = stat(fd, "the file of " + region).size();
        if (Long.compareUnsigned(region.mmapOffset(), fileSize) > 0
                || Long.compareUnsigned(region.size(), fileSize - region.mmapOffset()) > 0) {
            throw new VhostUserProtocolException(ProtocolFault.MEMORY, region + " runs past the end of its file ("
                    + fileSize + " bytes)");
        }
    }

    /** What {@code statx} says of descriptor {@code fd} itself. */
    private static Stat stat(int fd, String what) throws VhostUserProtocolException {
        try (Arena arena = Arena.ofConfined()) {
            StatxBuffer st = new StatxBuffer(arena);
            NodeCalls.statx(fd, NodeCalls.emptyPath(), NodeCalls.AT_EMPTY_PATH, StatxBuffer.STATX_BASIC_STATS, st);
            return new Stat(st.mode(), st.size());
        } catch (NativeException e) {
            throw new VhostUserProtocolException(ProtocolFault.MEMORY, "cannot examine " + what + ": " + e.getMessage());
        }
    }

    private record Stat(int mode, long size) {
    }

    /**
     * Checks that {@code fd} can hold a dirty log of {@code end} bytes for as long as it is mapped:
     * a regular file that cannot shrink (sealed, or sealed here) and is long enough.
     *
     * @throws VhostUserProtocolException {@link ProtocolFault#MEMORY} otherwise
     */
    static void guardLog(int fd, long end) throws VhostUserProtocolException {
        Stat before = stat(fd, "the dirty log's file");
        if ((before.mode() & 0170000) != 0100000) {
            throw new VhostUserProtocolException(ProtocolFault.MEMORY, "the dirty log is " + describe(fd)
                    + ", not a regular file");
        }
        if (!sealedAgainstShrinking(fd)) {
            throw new VhostUserProtocolException(ProtocolFault.MEMORY, "the dirty log " + describe(fd)
                    + " can shrink under the mapping and cannot be sealed (F_SEAL_SHRINK)");
        }
        long size = stat(fd, "the dirty log's file").size();
        if (size < end) {
            throw new VhostUserProtocolException(ProtocolFault.MEMORY, "the dirty log's file has " + size
                    + " bytes, fewer than the " + end + " described");
        }
    }

    /** Whether {@code fd} is sealed against shrinking, sealing it now when it allows that. */
    private static boolean sealedAgainstShrinking(int fd) {
        int seals;
        try {
            seals = FileCalls.fcntl(fd, FileCalls.F_GET_SEALS, 0);
        } catch (NativeException e) {
            if (e.errno() != Errno.EINVAL) {
                LOG.log(System.Logger.Level.DEBUG, "F_GET_SEALS failed", e);
            }
            return false; // a file system without seals
        }
        if ((seals & FileCalls.F_SEAL_SHRINK) != 0) {
            return true;
        }
        if ((seals & FileCalls.F_SEAL_SEAL) != 0) {
            return false;
        }
        try {
            FileCalls.fcntl(fd, FileCalls.F_ADD_SEALS, FileCalls.F_SEAL_SHRINK);
            return true;
        } catch (NativeException e) {
            LOG.log(System.Logger.Level.DEBUG, "F_ADD_SEALS F_SEAL_SHRINK failed", e);
            return false;
        }
    }
}
