package io.virtiofs.protocol.migration;

import java.nio.charset.StandardCharsets;

/**
 * The framing of a device-state stream, shared by {@link StateWriter} and {@link StateReader}.
 *
 * <pre>
 * header:  "VFJSTATE" (8 bytes ASCII), u32 version
 * frames:  u32 length (1..MAX_FRAME), length bytes, u32 CRC32C of the bytes
 * end:     u32 0, u64 total payload bytes, u32 CRC32C of those 8 bytes
 * </pre>
 *
 * All numbers big-endian. The payload (what the frames carry, concatenated) is the session and
 * then the file system's own state; see {@code SessionMigration} for version {@value #VERSION}.
 */
final class StateStream {

    static final byte[] MAGIC = "VFJSTATE".getBytes(StandardCharsets.US_ASCII);
    /** The payload layout this library writes and the only one it reads. */
    static final int VERSION = 1;
    /** The oldest version this library reads. */
    static final int OLDEST_READABLE = 1;
    static final int HEADER_BYTES = MAGIC.length + 4;
    /** The largest frame: a reader never buffers more than this. */
    static final int MAX_FRAME = 1 << 20;

    private StateStream() {
    }
}
