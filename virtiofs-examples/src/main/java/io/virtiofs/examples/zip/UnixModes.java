package io.virtiofs.examples.zip;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The Unix modes an archive's central directory records ({@code zip -y}, Info-ZIP, most Unix
 * tools: "version made by" Unix, the mode in the high half of the external attributes), by entry
 * name. {@link java.util.zip.ZipFile} reads them but does not show them.
 */
final class UnixModes {

    private static final int EOCD = 0x06054b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_EOCD = 0x06064b50;
    private static final int CENTRAL_HEADER = 0x02014b50;
    private static final int MADE_BY_UNIX = 3;
    private static final long LARGEST_DIRECTORY = 1L << 30;

    private UnixModes() {
    }

    /**
     * Each entry's mode with its type bits, for the entries that have one.
     *
     * @throws IOException when the archive cannot be read or its directory is not where its end
     *     record says
     */
    static Map<String, Integer> read(Path archive) throws IOException {
        try (FileChannel channel = FileChannel.open(archive)) {
            long size = channel.size();
            int tailLength = (int) Math.min(size, 22 + 65_535);
            ByteBuffer tail = readAt(channel, size - tailLength, tailLength);
            int end = tailLength - 22;
            while (end >= 0 && tail.getInt(end) != EOCD) {
                end--;
            }
            if (end < 0) {
                throw new IOException("no end of central directory record");
            }
            long directorySize = Integer.toUnsignedLong(tail.getInt(end + 12));
            long directoryEnd = size - tailLength + end;
            // A zip64 archive puts its own end record (and a locator of it) between the directory
            // and the end record, whose fields may hold the values or 0xFFFFFFFF.
            if (end >= 20 && tail.getInt(end - 20) == ZIP64_LOCATOR) {
                long zip64End = tail.getLong(end - 20 + 8);
                ByteBuffer record = readAt(channel, zip64End, 56);
                if (record.getInt(0) != ZIP64_EOCD) {
                    throw new IOException("no zip64 end of central directory record at " + zip64End);
                }
                directorySize = record.getLong(40);
                directoryEnd = zip64End;
            }
            if (directorySize > LARGEST_DIRECTORY || directorySize > directoryEnd) {
                throw new IOException("a central directory of " + directorySize + " bytes");
            }
            return modes(readAt(channel, directoryEnd - directorySize, (int) directorySize));
        }
    }

    private static Map<String, Integer> modes(ByteBuffer directory) throws IOException {
        Map<String, Integer> modes = new HashMap<>();
        int at = 0;
        while (at + 46 <= directory.limit()) {
            if (directory.getInt(at) != CENTRAL_HEADER) {
                throw new IOException("no central directory header at " + at);
            }
            int madeBy = Short.toUnsignedInt(directory.getShort(at + 4)) >> 8;
            int nameLength = Short.toUnsignedInt(directory.getShort(at + 28));
            int skip = nameLength + Short.toUnsignedInt(directory.getShort(at + 30))
                    + Short.toUnsignedInt(directory.getShort(at + 32));
            int mode = directory.getInt(at + 38) >>> 16;
            if (at + 46 + skip > directory.limit()) {
                throw new IOException("a central directory header runs past the directory's end");
            }
            if (madeBy == MADE_BY_UNIX && mode != 0) {
                byte[] name = new byte[nameLength];
                directory.get(at + 46, name);
                modes.put(new String(name, StandardCharsets.UTF_8), mode);
            }
            at += 46 + skip;
        }
        return modes;
    }

    private static ByteBuffer readAt(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new IOException("the archive ends at " + (position + buffer.position()));
            }
        }
        return buffer.flip();
    }
}
