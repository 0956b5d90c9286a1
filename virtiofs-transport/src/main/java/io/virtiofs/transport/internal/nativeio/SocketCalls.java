package io.virtiofs.transport.internal.nativeio;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.virtiofs.api.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * Unix domain socket system calls: {@code socket(2)}, {@code socketpair(2)}, {@code bind(2)},
 * {@code listen(2)}, {@code accept4(2)}, {@code connect(2)}, {@code sendmsg(2)} and
 * {@code recvmsg(2)} with {@code SCM_RIGHTS} descriptor passing ({@code unix(7)},
 * {@code cmsg(3)}), {@code shutdown(2)}.
 *
 * <p>The structures are those of Linux x86-64 and aarch64 (LP64): {@code struct sockaddr_un}
 * (a 16-bit family and 108 path bytes), {@code struct msghdr} (56 bytes), {@code struct cmsghdr}
 * (a 64-bit length, then level and type, data at offset 16). Each call allocates its structures in
 * a short-lived arena: these calls serve control sockets, not data paths.
 */
public final class SocketCalls {

    /** {@code AF_UNIX}. */
    public static final int AF_UNIX = 1;
    /** {@code SOCK_STREAM}. */
    public static final int SOCK_STREAM = 1;
    /** {@code SOCK_NONBLOCK}, for the type argument of {@link #socket} and the flags of {@link #accept4}. */
    public static final int SOCK_NONBLOCK = 04000;
    /** {@code SOCK_CLOEXEC}, for the type argument of {@link #socket} and the flags of {@link #accept4}. */
    public static final int SOCK_CLOEXEC = 02000000;
    /** {@code SHUT_RD}. */
    public static final int SHUT_RD = 0;
    /** {@code SHUT_WR}. */
    public static final int SHUT_WR = 1;
    /** {@code SHUT_RDWR}. */
    public static final int SHUT_RDWR = 2;
    /** The most bytes of a socket path, its terminating NUL not counted ({@code sun_path} is 108 bytes). */
    public static final int MAX_PATH_BYTES = 107;
    /** The most descriptors {@link #receiveMessage} takes from one message. */
    public static final int MAX_RECEIVED_FDS = 64;

    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int MSG_CTRUNC = 0x8;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;

    private static final long SOCKADDR_UN_SIZE = 110;
    private static final long MSGHDR_SIZE = 56;
    private static final long MSG_IOV = 16;
    private static final long MSG_IOVLEN = 24;
    private static final long MSG_CONTROL = 32;
    private static final long MSG_CONTROLLEN = 40;
    private static final long MSG_FLAGS = 48;
    private static final long IOVEC_SIZE = 16;
    private static final long CMSG_HEADER = 16;

    private static final MethodHandle SOCKET = NativeLinker.downcall("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKETPAIR = NativeLinker.downcall("socketpair",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle BIND = NativeLinker.downcall("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = NativeLinker.downcall("listen",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT4 = NativeLinker.downcall("accept4",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle CONNECT = NativeLinker.downcall("connect",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDMSG = NativeLinker.downcall("sendmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVMSG = NativeLinker.downcall("recvmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SHUTDOWN = NativeLinker.downcall("shutdown",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = NativeLinker.downcall("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));

    private static final int SO_TYPE = 3;
    private static final int SO_ACCEPTCONN = 30;

    private SocketCalls() {
    }

    /**
     * What one {@link #receiveMessage} call got.
     *
     * @param bytes the number of data bytes read; 0 when the peer closed its end
     * @param fds the descriptors that came with the data, in order, now owned by the caller (opened
     *     close-on-exec)
     * @param controlTruncated whether the kernel dropped descriptors that did not fit
     *     ({@code MSG_CTRUNC}): the peer sent more than asked for
     */
    public record Received(long bytes, int[] fds, boolean controlTruncated) {
        public Received {
            if (bytes < 0) {
                throw new IllegalArgumentException("received byte count " + bytes + " is negative");
            }
            fds = fds.clone();
        }

        /** The descriptors, as a copy. */
        @Override
        public int[] fds() {
            return fds.clone();
        }

        /** How many descriptors came. */
        public int fdCount() {
            return fds.length;
        }

        /** Descriptor {@code i}. */
        public int fd(int i) {
            return fds[i];
        }
    }

    /**
     * {@code socket(domain, type, 0)}.
     *
     * @return the new descriptor
     */
    public static int socket(int domain, int type) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int fd;
        try {
            fd = (int) SOCKET.invokeExact(state, domain, type, 0);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("socket", t);
        }
        if (fd < 0) {
            throw NativeLinker.failure("socket", state);
        }
        return fd;
    }

    /**
     * {@code socketpair(AF_UNIX, type, 0, fds)}: two connected sockets.
     *
     * @return both descriptors
     */
    public static int[] socketPair(int type) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pair = arena.allocate(JAVA_INT, 2);
            int result;
            try {
                result = (int) SOCKETPAIR.invokeExact(state, AF_UNIX, type, 0, pair);
            } catch (Throwable t) {
                throw NativeLinker.linkageBug("socketpair", t);
            }
            if (result < 0) {
                throw NativeLinker.failure("socketpair", state);
            }
            return new int[] {pair.getAtIndex(JAVA_INT, 0), pair.getAtIndex(JAVA_INT, 1)};
        }
    }

    /**
     * {@code bind(fd, {AF_UNIX, path})}: creates the socket file.
     *
     * @throws IllegalArgumentException if the path is empty, longer than {@value #MAX_PATH_BYTES}
     *     bytes of UTF-8, or contains a NUL
     */
    public static void bind(int fd, String path) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = socketAddress(arena, path);
            int result;
            try {
                result = (int) BIND.invokeExact(state, fd, address, (int) SOCKADDR_UN_SIZE);
            } catch (Throwable t) {
                throw NativeLinker.linkageBug("bind", t);
            }
            if (result < 0) {
                throw withPath("bind", path, state);
            }
        }
    }

    /** {@code listen(fd, backlog)}. */
    public static void listen(int fd, int backlog) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) LISTEN.invokeExact(state, fd, backlog);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("listen", t);
        }
        if (result < 0) {
            throw NativeLinker.failure("listen", state);
        }
    }

    /**
     * {@code accept4(fd, NULL, NULL, flags)}: the next connection of a listening socket.
     *
     * @param flags {@link #SOCK_CLOEXEC}, {@link #SOCK_NONBLOCK}
     * @return the connected descriptor
     */
    public static int accept4(int fd, int flags) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int connected;
        try {
            connected = (int) ACCEPT4.invokeExact(state, fd, MemorySegment.NULL, MemorySegment.NULL, flags);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("accept4", t);
        }
        if (connected < 0) {
            throw NativeLinker.failure("accept4", state);
        }
        return connected;
    }

    /**
     * {@code connect(fd, {AF_UNIX, path})}.
     *
     * @throws IllegalArgumentException as {@link #bind} for a bad path
     */
    public static void connect(int fd, String path) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = socketAddress(arena, path);
            int result;
            try {
                result = (int) CONNECT.invokeExact(state, fd, address, (int) SOCKADDR_UN_SIZE);
            } catch (Throwable t) {
                throw NativeLinker.linkageBug("connect", t);
            }
            if (result < 0) {
                throw withPath("connect", path, state);
            }
        }
    }

    /** {@code shutdown(fd, how)}, {@code how} one of {@link #SHUT_RD}, {@link #SHUT_WR}, {@link #SHUT_RDWR}. */
    public static void shutdown(int fd, int how) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) SHUTDOWN.invokeExact(state, fd, how);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("shutdown", t);
        }
        if (result < 0) {
            throw NativeLinker.failure("shutdown", state);
        }
    }

    /** {@code close(fd)}. */
    public static void close(int fd) throws NativeException {
        FileCalls.close(fd);
    }

    /**
     * Whether {@code fd} is a listening {@code SOCK_STREAM} socket ({@code getsockopt} of
     * {@code SO_TYPE} and {@code SO_ACCEPTCONN}): checks a descriptor inherited from a parent.
     *
     * @throws NativeException with ENOTSOCK if it is not a socket at all, EBADF if not open
     */
    public static boolean isListeningStreamSocket(int fd) throws NativeException {
        return socketOption(fd, SO_TYPE) == SOCK_STREAM && socketOption(fd, SO_ACCEPTCONN) != 0;
    }

    private static int socketOption(int fd, int option) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_INT);
            MemorySegment length = arena.allocate(JAVA_INT);
            length.set(JAVA_INT, 0, 4);
            int result;
            try {
                result = (int) GETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, option, value, length);
            } catch (Throwable t) {
                throw NativeLinker.linkageBug("getsockopt", t);
            }
            if (result < 0) {
                throw NativeLinker.failure("getsockopt", state);
            }
            return value.get(JAVA_INT, 0);
        }
    }

    /**
     * {@code sendmsg(fd, msg, MSG_NOSIGNAL)}: sends the first {@code length} bytes of {@code data}
     * and, with them, copies of {@code fds} ({@code SCM_RIGHTS}).
     *
     * @return the number of bytes sent (a stream socket may send fewer; the descriptors go with the
     *     first byte)
     * @throws NativeException EPIPE when the peer is gone (no SIGPIPE is raised)
     */
    public static long sendMessage(int fd, MemorySegment data, long length, int... fds) throws NativeException {
        checkLength(data, length);
        if (fds.length > MAX_RECEIVED_FDS) {
            throw new IllegalArgumentException(fds.length + " descriptors are more than " + MAX_RECEIVED_FDS);
        }
        MemorySegment state = NativeLinker.callState();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = messageHeader(arena, data, length);
            if (fds.length > 0) {
                long space = controlSpace(fds.length);
                MemorySegment control = arena.allocate(space, 8);
                control.set(JAVA_LONG, 0, CMSG_HEADER + 4L * fds.length);
                control.set(JAVA_INT, 8, SOL_SOCKET);
                control.set(JAVA_INT, 12, SCM_RIGHTS);
                for (int i = 0; i < fds.length; i++) {
                    control.set(JAVA_INT, CMSG_HEADER + 4L * i, fds[i]);
                }
                header.set(ADDRESS, MSG_CONTROL, control);
                header.set(JAVA_LONG, MSG_CONTROLLEN, space);
            }
            long sent;
            try {
                sent = (long) SENDMSG.invokeExact(state, fd, header, MSG_NOSIGNAL);
            } catch (Throwable t) {
                throw NativeLinker.linkageBug("sendmsg", t);
            }
            if (sent < 0) {
                throw NativeLinker.failure("sendmsg", state);
            }
            return sent;
        }
    }

    /**
     * {@code recvmsg(fd, msg, MSG_CMSG_CLOEXEC)}: reads at most {@code length} bytes into the
     * start of {@code buffer}, with up to {@code maxFds} descriptors sent along
     * ({@code SCM_RIGHTS}). Waits unless the descriptor is non-blocking. EINTR is retried.
     *
     * @param maxFds how many descriptors the caller accepts, 0 to {@value #MAX_RECEIVED_FDS}. There
     *     is room for at least one more, so a message with too many shows either as
     *     {@link Received#fdCount()} above {@code maxFds} or, when even the room overflowed (the
     *     kernel closes what does not fit), as {@link Received#controlTruncated()}
     */
    public static Received receiveMessage(int fd, MemorySegment buffer, long length, int maxFds) throws NativeException {
        checkLength(buffer, length);
        if (maxFds < 0 || maxFds > MAX_RECEIVED_FDS) {
            throw new IllegalArgumentException("descriptor room " + maxFds + " is outside 0.." + MAX_RECEIVED_FDS);
        }
        MemorySegment state = NativeLinker.callState();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = messageHeader(arena, buffer, length);
            // Room for one more descriptor than asked: a message that fills it has too many.
            long space = controlSpace(maxFds + 1);
            MemorySegment control = arena.allocate(space, 8);
            header.set(ADDRESS, MSG_CONTROL, control);
            header.set(JAVA_LONG, MSG_CONTROLLEN, space);
            long received;
            while (true) {
                try {
                    received = (long) RECVMSG.invokeExact(state, fd, header, MSG_CMSG_CLOEXEC);
                } catch (Throwable t) {
                    throw NativeLinker.linkageBug("recvmsg", t);
                }
                if (received >= 0 || NativeLinker.errno(state) != Errno.EINTR) {
                    break;
                }
            }
            if (received < 0) {
                throw NativeLinker.failure("recvmsg", state);
            }
            int[] fds = controlDescriptors(control, header.get(JAVA_LONG, MSG_CONTROLLEN));
            boolean truncated = (header.get(JAVA_INT, MSG_FLAGS) & MSG_CTRUNC) != 0;
            return new Received(received, fds, truncated);
        }
    }

    /** Every SCM_RIGHTS descriptor in a received control buffer of {@code length} bytes ({@code CMSG_NXTHDR}). */
    private static int[] controlDescriptors(MemorySegment control, long length) {
        int[] fds = new int[0];
        long offset = 0;
        while (offset + CMSG_HEADER <= length) {
            long cmsgLength = control.get(JAVA_LONG, offset);
            if (cmsgLength < CMSG_HEADER || cmsgLength > length - offset) {
                break;
            }
            int level = control.get(JAVA_INT, offset + 8);
            int type = control.get(JAVA_INT, offset + 12);
            if (level == SOL_SOCKET && type == SCM_RIGHTS) {
                int count = (int) ((cmsgLength - CMSG_HEADER) / 4);
                int[] more = new int[fds.length + count];
                System.arraycopy(fds, 0, more, 0, fds.length);
                for (int i = 0; i < count; i++) {
                    more[fds.length + i] = control.get(JAVA_INT, offset + CMSG_HEADER + 4L * i);
                }
                fds = more;
            }
            offset += align8(cmsgLength);
        }
        return fds;
    }

    private static MemorySegment messageHeader(Arena arena, MemorySegment data, long length) {
        MemorySegment iovec = arena.allocate(IOVEC_SIZE, 8);
        iovec.set(ADDRESS, 0, data);
        iovec.set(JAVA_LONG, 8, length);
        MemorySegment header = arena.allocate(MSGHDR_SIZE, 8);
        header.set(ADDRESS, MSG_IOV, iovec);
        header.set(JAVA_LONG, MSG_IOVLEN, 1L);
        return header;
    }

    /** {@code CMSG_SPACE(count * sizeof(int))}. */
    private static long controlSpace(int count) {
        return CMSG_HEADER + align8(4L * count);
    }

    private static long align8(long value) {
        return (value + 7) & ~7L;
    }

    private static MemorySegment socketAddress(Arena arena, String path) {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > MAX_PATH_BYTES) {
            throw new IllegalArgumentException("socket path \"" + path + "\" is " + bytes.length
                    + " bytes; a Unix socket path has 1.." + MAX_PATH_BYTES);
        }
        for (byte b : bytes) {
            if (b == 0) {
                throw new IllegalArgumentException("socket path \"" + path + "\" contains a NUL");
            }
        }
        MemorySegment address = arena.allocate(SOCKADDR_UN_SIZE, 8);
        address.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(bytes, 0, address, JAVA_BYTE, 2, bytes.length);
        return address;
    }

    private static NativeException withPath(String call, String path, MemorySegment state) {
        Errno errno = NativeLinker.errno(state);
        return new NativeException(call, errno, call + " " + path + " failed: " + errno.name() + " (" + errno.description() + ")");
    }

    private static void checkLength(MemorySegment buffer, long length) {
        if (length < 0 || length > buffer.byteSize()) {
            throw new IllegalArgumentException("length " + length + " is outside 0.." + buffer.byteSize());
        }
    }
}
