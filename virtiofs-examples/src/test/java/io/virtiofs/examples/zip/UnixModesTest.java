package io.virtiofs.examples.zip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Unix modes read from a central directory: plain, behind zip64 end records, and broken. */
@Timeout(60)
class UnixModesTest {

    @Test
    void readsTheModesTheFixtureSet(@TempDir Path dir) throws IOException {
        ZipFixture fixture = ZipFixture.write(dir.resolve("t.zip"), 7);
        assertEquals(fixture.modes(), UnixModes.read(fixture.archive()));
    }

    /**
     * The same archive with a zip64 end record and its locator between the directory and the end
     * record (as {@code zip -fz} writes it), the end record's fields left as they were: both
     * ZipFile and UnixModes must find the directory.
     */
    @Test
    void readsTheModesBehindZip64EndRecords(@TempDir Path dir) throws IOException {
        ZipFixture fixture = ZipFixture.write(dir.resolve("t.zip"), 8);
        byte[] zip = Files.readAllBytes(fixture.archive());
        ByteBuffer in = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        int end = zip.length - 22;
        long entries = Short.toUnsignedLong(in.getShort(end + 10));
        long size = Integer.toUnsignedLong(in.getInt(end + 12));
        long offset = Integer.toUnsignedLong(in.getInt(end + 16));
        ByteBuffer out = ByteBuffer.allocate(zip.length + 56 + 20).order(ByteOrder.LITTLE_ENDIAN);
        out.put(zip, 0, end);
        out.putInt(0x06064b50).putLong(44).putShort((short) 0x031e).putShort((short) 45).putInt(0).putInt(0)
                .putLong(entries).putLong(entries).putLong(size).putLong(offset);
        out.putInt(0x07064b50).putInt(0).putLong(end).putInt(1);
        out.put(zip, end, 22);
        Path zip64 = Files.write(dir.resolve("t64.zip"), out.array());
        try (ZipFile check = new ZipFile(zip64.toFile())) {
            assertEquals(fixture.files().size() + fixture.links().size() + fixture.skipped().size(),
                    check.stream().filter(e -> !e.isDirectory()).count());
        }
        assertEquals(fixture.modes(), UnixModes.read(zip64));
    }

    @Test
    void aBrokenDirectoryIsAnErrorThatSaysWhere(@TempDir Path dir) throws IOException {
        ZipFixture fixture = ZipFixture.write(dir.resolve("t.zip"), 9);
        byte[] zip = Files.readAllBytes(fixture.archive());
        int directory = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN).getInt(zip.length - 22 + 16);
        zip[directory] = 'X';
        Path broken = Files.write(dir.resolve("broken.zip"), zip);
        assertEquals("no central directory header at 0",
                assertThrows(IOException.class, () -> UnixModes.read(broken)).getMessage());
        Path text = Files.writeString(dir.resolve("text.zip"), "no archive at all");
        assertEquals("no end of central directory record",
                assertThrows(IOException.class, () -> UnixModes.read(text)).getMessage());
    }
}
