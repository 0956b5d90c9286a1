package io.virtiofs.transport.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.DaxMapping;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.MappingSource;
import io.virtiofs.transport.internal.nativeio.MemoryCalls;
import io.virtiofs.transport.internal.nativeio.NativeLinker;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The in-process DAX window over a real temporary file's descriptor. */
class DaxWindowTest {

    private static final long PAGE = MemoryCalls.pageSize();
    private static final int O_RDWR = 2;
    private static final MethodHandle OPEN = NativeLinker.downcall("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Path file;
    private int fd;
    private MappingSource source;
    private ReservedDaxBacking backing;
    private DaxWindowTable window;

    @BeforeEach
    void createFileAndWindow() throws Throwable {
        file = Files.createTempFile(Path.of("/tmp"), "virtiofs-dax-", ".bin");
        byte[] content = new byte[(int) (4 * PAGE)];
        for (int page = 0; page < 4; page++) {
            java.util.Arrays.fill(content, (int) (page * PAGE), (int) ((page + 1) * PAGE), (byte) (page + 1));
        }
        Files.write(file, content);
        try (Arena arena = Arena.ofConfined()) {
            fd = (int) OPEN.invokeExact(NativeLinker.callState(), arena.allocateFrom(file.toString()), O_RDWR);
        }
        assertTrue(fd >= 0, "open " + file);
        source = new MappingSource.FileDescriptor(fd);
        backing = ReservedDaxBacking.reserve(16 * PAGE);
        window = new DaxWindowTable(backing);
    }

    @AfterEach
    void close() throws IOException {
        backing.close();
        MemoryCalls.close(fd);
        Files.deleteIfExists(file);
    }

    private byte windowByte(long offset) {
        return backing.segment().get(ValueLayout.JAVA_BYTE, offset);
    }

    private DaxMapping mapping(long windowPage, long pages, long filePage, boolean writable) {
        return new DaxMapping(windowPage * PAGE, pages * PAGE, source, filePage * PAGE, writable);
    }

    @Test
    void mappedFileReadsThroughTheWindow() {
        assertEquals(16 * PAGE, window.size());
        assertEquals(PAGE, window.alignment());
        DaxMapping mapping = mapping(2, 2, 1, false);
        window.map(mapping);
        assertEquals(List.of(mapping), window.mappings());
        assertEquals(2, windowByte(2 * PAGE));
        assertEquals(2, windowByte(3 * PAGE - 1));
        assertEquals(3, windowByte(3 * PAGE));
        assertEquals(3, windowByte(4 * PAGE - 1));
        assertEquals("r--s", permissionsAt(2 * PAGE));
        assertEquals("---p", permissionsAt(0), "unmapped parts stay PROT_NONE");
    }

    @Test
    void writableMappingWritesTheFile() throws IOException {
        window.map(mapping(0, 1, 3, true));
        backing.segment().set(ValueLayout.JAVA_BYTE, 10, (byte) 0x77);
        assertEquals("rw-s", permissionsAt(0));
        assertEquals(0x77, Files.readAllBytes(file)[(int) (3 * PAGE + 10)], "MAP_SHARED reaches the file");
    }

    @Test
    void overlappingMappingsNewerWins() {
        window.map(mapping(0, 4, 0, false));
        window.map(mapping(1, 1, 3, true));
        assertEquals(1, windowByte(0));
        assertEquals(4, windowByte(PAGE), "the newer mapping shows");
        assertEquals(3, windowByte(2 * PAGE));
        assertEquals(4, windowByte(3 * PAGE));
        assertEquals(List.of(mapping(0, 1, 0, false), mapping(1, 1, 3, true), mapping(2, 2, 2, false)),
                window.mappings());

        window.map(mapping(0, 3, 1, false));
        assertEquals(List.of(mapping(0, 3, 1, false), mapping(3, 1, 3, false)), window.mappings());
        assertEquals(2, windowByte(0));
        assertEquals(4, windowByte(3 * PAGE));
    }

    @Test
    void mappingBeyondTheEndIsRefused() {
        window.map(mapping(0, 1, 0, false));
        ErrnoException beyond = assertThrows(ErrnoException.class, () -> window.map(mapping(15, 2, 0, false)));
        assertSame(Errno.EINVAL, beyond.errno());
        assertThrows(ErrnoException.class, () -> window.map(mapping(16, 1, 0, false)));
        assertThrows(ErrnoException.class, () -> window.map(new DaxMapping(PAGE, Long.MAX_VALUE - PAGE, source, 0, false)));
        assertEquals(List.of(mapping(0, 1, 0, false)), window.mappings(), "refused mappings change nothing");
    }

    @Test
    void misalignedMappingsAreRefused() {
        for (DaxMapping bad : List.of(new DaxMapping(100, PAGE, source, 0, false),
                new DaxMapping(0, 100, source, 0, false),
                new DaxMapping(0, PAGE, source, 100, false))) {
            ErrnoException refused = assertThrows(ErrnoException.class, () -> window.map(bad), bad.toString());
            assertSame(Errno.EINVAL, refused.errno());
        }
        assertSame(Errno.EINVAL, assertThrows(ErrnoException.class, () -> window.unmap(1, PAGE)).errno());
        assertEquals(List.of(), window.mappings());
    }

    @Test
    void unmapRemovesARangeAndKeepsTheRest() {
        window.map(mapping(4, 4, 0, false));
        window.unmap(5 * PAGE, 2 * PAGE);
        assertEquals(List.of(mapping(4, 1, 0, false), mapping(7, 1, 3, false)), window.mappings());
        assertEquals(1, windowByte(4 * PAGE));
        assertEquals(4, windowByte(7 * PAGE));
        assertEquals("---p", permissionsAt(5 * PAGE), "an unmapped range is PROT_NONE again");
        assertEquals("---p", permissionsAt(6 * PAGE));
        window.unmap(10 * PAGE, PAGE);
        assertEquals(2, window.mappings().size(), "unmapping nothing is fine");
        assertSame(Errno.EINVAL, assertThrows(ErrnoException.class, () -> window.unmap(15 * PAGE, 2 * PAGE)).errno());
        window.unmap(0, 16 * PAGE);
        assertEquals(List.of(), window.mappings());
    }

    @Test
    void badDescriptorIsEbadf() {
        ErrnoException refused = assertThrows(ErrnoException.class,
                () -> window.map(new DaxMapping(0, PAGE, new MappingSource.FileDescriptor(9999), 0, false)));
        assertSame(Errno.EBADF, refused.errno());
        assertEquals(List.of(), window.mappings());
    }

    @Test
    void closedWindowRefusesWithEnodev() throws IOException {
        backing.close();
        assertSame(Errno.ENODEV, assertThrows(ErrnoException.class, () -> window.map(mapping(0, 1, 0, false))).errno());
    }

    /** The permissions column of /proc/self/maps for the window page at {@code offset}. */
    private String permissionsAt(long offset) {
        long address = backing.segment().address() + offset;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                String[] fields = line.split("\\s+");
                String[] range = fields[0].split("-");
                long start = Long.parseUnsignedLong(range[0], 16);
                long end = Long.parseUnsignedLong(range[1], 16);
                if (address >= start && address < end) {
                    return fields[1];
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no mapping at 0x" + Long.toHexString(address));
    }

    @Test
    void windowSizeMustBePageMultiple() {
        assertThrows(IllegalArgumentException.class, () -> ReservedDaxBacking.reserve(PAGE + 1));
        assertThrows(IllegalArgumentException.class, () -> ReservedDaxBacking.reserve(0));
    }
}
