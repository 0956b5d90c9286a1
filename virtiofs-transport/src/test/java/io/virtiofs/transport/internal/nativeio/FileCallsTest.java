package io.virtiofs.transport.internal.nativeio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Errno;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FileCallsTest {

    /** {@code FIOCLEX}: set close-on-exec; takes no argument. */
    private static final long FIOCLEX = 0x5451;
    /** {@code FIONCLEX}: clear close-on-exec. */
    private static final long FIONCLEX = 0x5450;
    /** {@code FIONREAD}: bytes left to read, into an int. */
    private static final long FIONREAD = 0x541B;

    private Path dir;

    @BeforeEach
    void createDirectory() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "filecalls-");
    }

    @AfterEach
    void deleteDirectory() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }

    @Test
    void writeThenReadReturnsTheSameBytes() throws Exception {
        Path file = dir.resolve("data");
        byte[] content = "hello, native world".getBytes(StandardCharsets.US_ASCII);
        try (Arena arena = Arena.ofConfined()) {
            int fd = FileCalls.open(file.toString(), FileCalls.O_RDWR | FileCalls.O_CREAT | FileCalls.O_CLOEXEC, 0600);
            try {
                MemorySegment out = arena.allocate(64);
                MemorySegment.copy(content, 0, out, ValueLayout.JAVA_BYTE, 0, content.length);
                assertEquals(content.length, FileCalls.write(fd, out, content.length));
            } finally {
                FileCalls.close(fd);
            }
            assertArrayEquals(content, Files.readAllBytes(file));
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

            int readFd = FileCalls.open(file.toString(), FileCalls.O_RDONLY | FileCalls.O_CLOEXEC, 0);
            try {
                MemorySegment in = arena.allocate(64);
                long count = FileCalls.read(readFd, in, 64);
                assertEquals(content.length, count);
                assertArrayEquals(content, in.asSlice(0, count).toArray(ValueLayout.JAVA_BYTE));
                assertEquals(0, FileCalls.read(readFd, in, 64), "end of file reads 0 bytes");
            } finally {
                FileCalls.close(readFd);
            }
        }
    }

    @Test
    void writevGathersEveryPieceInOrder() throws Exception {
        Path file = dir.resolve("gathered");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment first = arena.allocateFrom("first|", StandardCharsets.US_ASCII);
            MemorySegment second = arena.allocateFrom("second-piece|", StandardCharsets.US_ASCII);
            MemorySegment third = arena.allocateFrom("3", StandardCharsets.US_ASCII);
            IoVector vector = new IoVector(arena, 4);
            vector.set(0, first, 6);
            vector.set(1, second, 13);
            vector.set(2, third, 1);
            vector.set(3, first, 6); // present but beyond the count: not written
            int fd = FileCalls.open(file.toString(), FileCalls.O_WRONLY | FileCalls.O_CREAT | FileCalls.O_TRUNC, 0644);
            try {
                assertEquals(20, FileCalls.writev(fd, vector, 3));
            } finally {
                FileCalls.close(fd);
            }
            assertEquals("first|second-piece|3", Files.readString(file, StandardCharsets.US_ASCII));
            assertEquals(List.of(6L, 13L, 1L, 6L), List.of(vector.length(0), vector.length(1), vector.length(2), vector.length(3)));
        }
    }

    @Test
    void ioVectorRejectsLengthsBeyondThePiece() {
        try (Arena arena = Arena.ofConfined()) {
            IoVector vector = new IoVector(arena, 1);
            MemorySegment piece = arena.allocate(8);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vector.set(0, piece, 9));
            assertEquals("iovec length 9 is outside 0..8", e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> vector.set(1, piece, 1));
            assertThrows(IllegalArgumentException.class, () -> vector.set(0, MemorySegment.ofArray(new byte[4]), 1));
        }
    }

    @Test
    void readOfABadDescriptorFailsWithEbadf() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(16);
            NativeException e = assertThrows(NativeException.class, () -> FileCalls.read(-1, buffer, 16));
            assertEquals(Errno.EBADF, e.errno());
            assertEquals("read", e.call());
            assertEquals("read failed: EBADF (Bad file number)", e.getMessage());
            assertEquals(Errno.EBADF, e.toErrnoException().errno());
            NativeException closed = assertThrows(NativeException.class, () -> FileCalls.close(-1));
            assertEquals(Errno.EBADF, closed.errno());
            NativeException written = assertThrows(NativeException.class, () -> FileCalls.write(-1, buffer, 1));
            assertEquals(Errno.EBADF, written.errno());
        }
    }

    @Test
    void openOfAMissingFileNamesThePathAndErrno() {
        String missing = dir.resolve("missing").toString();
        NativeException e = assertThrows(NativeException.class, () -> FileCalls.open(missing, FileCalls.O_RDONLY, 0));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("open " + missing + " failed: ENOENT (No such file or directory)", e.getMessage());
    }

    @Test
    void readLengthIsCheckedAgainstTheBuffer() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(16);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FileCalls.read(0, buffer, 17));
            assertEquals("length 17 is outside 0..16", e.getMessage());
        }
    }

    @Test
    void ioctlWithAnIntegerArgumentTogglesCloseOnExec() throws Exception {
        Path file = dir.resolve("flags");
        Files.writeString(file, "x");
        int fd = FileCalls.open(file.toString(), FileCalls.O_RDONLY, 0);
        try {
            assertEquals(0, openFlags(fd) & FileCalls.O_CLOEXEC);
            assertEquals(0, FileCalls.ioctl(fd, FIOCLEX, 0));
            assertEquals(FileCalls.O_CLOEXEC, openFlags(fd) & FileCalls.O_CLOEXEC);
            assertEquals(0, FileCalls.ioctl(fd, FIONCLEX, 0));
            assertEquals(0, openFlags(fd) & FileCalls.O_CLOEXEC);
        } finally {
            FileCalls.close(fd);
        }
    }

    @Test
    void ioctlWithAPointerArgumentFillsIt() throws Exception {
        Path file = dir.resolve("sized");
        Files.write(file, new byte[1234]);
        int fd = FileCalls.open(file.toString(), FileCalls.O_RDONLY | FileCalls.O_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(0, FileCalls.ioctl(fd, FIONREAD, count));
            assertEquals(1234, count.get(ValueLayout.JAVA_INT, 0));
            NativeException e = assertThrows(NativeException.class, () -> FileCalls.ioctl(fd, 0x5401 /* TCGETS */, count));
            assertEquals(Errno.ENOTTY, e.errno());
        } finally {
            FileCalls.close(fd);
        }
    }

    @Test
    void pollReportsReadinessPerEntry() throws Exception {
        int idle = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC | EventFdCalls.EFD_NONBLOCK);
        int signalled = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC | EventFdCalls.EFD_NONBLOCK);
        try (Arena arena = Arena.ofConfined()) {
            PollSet set = new PollSet(arena, 3);
            set.set(0, idle, PollSet.POLLIN);
            set.set(1, signalled, PollSet.POLLIN);
            assertEquals(-1, set.fd(2), "unused entries are ignored by poll");
            assertEquals(0, FileCalls.poll(set, 0));
            assertEquals(List.of(0, 0, 0), List.of(set.revents(0), set.revents(1), set.revents(2)));

            EventFdCalls.write(signalled, 1);
            assertEquals(1, FileCalls.poll(set, 1000));
            assertEquals(List.of(0, (int) PollSet.POLLIN, 0), List.of(set.revents(0), set.revents(1), set.revents(2)));
        } finally {
            FileCalls.close(idle);
            FileCalls.close(signalled);
        }
    }

    @Test
    void pollOfAClosedDescriptorReportsPollnval() throws Exception {
        int fd = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC);
        FileCalls.close(fd);
        try (Arena arena = Arena.ofConfined()) {
            PollSet set = new PollSet(arena, 1);
            set.set(0, fd, PollSet.POLLIN);
            assertEquals(1, FileCalls.poll(set, 0));
            assertEquals(PollSet.POLLNVAL, set.revents(0));
        }
    }

    @Test
    void readNonBlockingAnswersAgainInsteadOfFailing() throws Exception {
        int fd = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC | EventFdCalls.EFD_NONBLOCK);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment counter = arena.allocate(8);
            assertEquals(FileCalls.AGAIN, FileCalls.readNonBlocking(fd, counter, 8));
            EventFdCalls.write(fd, 42);
            assertEquals(8, FileCalls.readNonBlocking(fd, counter, 8));
            assertEquals(42L, counter.get(ValueLayout.JAVA_LONG, 0));
            NativeException e = assertThrows(NativeException.class, () -> FileCalls.readNonBlocking(fd, counter, 4));
            assertEquals(Errno.EINVAL, e.errno(), "an eventfd read needs 8 bytes");
        } finally {
            FileCalls.close(fd);
        }
    }

    /** The descriptor's open flags, as /proc/self/fdinfo shows them (octal). */
    static int openFlags(int fd) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("flags:")) {
                return Integer.parseInt(line.substring("flags:".length()).trim(), 8);
            }
        }
        throw new AssertionError("no flags line in /proc/self/fdinfo/" + fd);
    }

    @Test
    void openFlagsAreVisibleInFdinfo() throws Exception {
        int fd = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC | EventFdCalls.EFD_NONBLOCK);
        try {
            int flags = openFlags(fd);
            assertTrue((flags & FileCalls.O_NONBLOCK) != 0 && (flags & FileCalls.O_CLOEXEC) != 0, Integer.toOctalString(flags));
        } finally {
            FileCalls.close(fd);
        }
    }
}
