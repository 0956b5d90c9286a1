package io.virtiofs.transport.device;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * The virtio-fs configuration space ({@code struct virtio_fs_config}, virtio-fs specification
 * "Device configuration layout"): {@code char tag[36]} (UTF-8, NUL-padded, not terminated when
 * full) and {@code le32 num_queues} (the number of request queues, at least 1).
 *
 * @param tag the file system's name, 1 to {@value #TAG_SIZE} bytes of UTF-8 without NUL
 * @param numRequestQueues request queues (the hiprio queue not counted)
 */
public record VirtioFsConfig(String tag, int numRequestQueues) {

    /** {@code sizeof(tag)}. */
    public static final int TAG_SIZE = 36;
    /** {@code sizeof(struct virtio_fs_config)}. */
    public static final int SIZE = 40;
    /** The most request queues this implementation serves (each has a thread). */
    public static final int MAX_REQUEST_QUEUES = 1024;

    public VirtioFsConfig {
        Objects.requireNonNull(tag, "tag");
        byte[] encoded = encode(tag);
        if (encoded.length == 0 || encoded.length > TAG_SIZE) {
            throw new IllegalArgumentException("tag \"" + tag + "\" is " + encoded.length + " bytes of UTF-8; it must be 1.."
                    + TAG_SIZE);
        }
        for (byte b : encoded) {
            if (b == 0) {
                throw new IllegalArgumentException("tag \"" + tag + "\" contains a NUL");
            }
        }
        if (numRequestQueues < 1 || numRequestQueues > MAX_REQUEST_QUEUES) {
            throw new IllegalArgumentException("num_queues " + numRequestQueues + " is outside 1.." + MAX_REQUEST_QUEUES);
        }
    }

    private static byte[] encode(String tag) {
        try {
            var buffer = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(java.nio.CharBuffer.wrap(tag));
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("tag \"" + tag + "\" is not valid Unicode", e);
        }
    }

    /** The whole configuration space, {@value #SIZE} bytes. */
    public byte[] bytes() {
        byte[] bytes = new byte[SIZE];
        byte[] encoded = encode(tag);
        System.arraycopy(encoded, 0, bytes, 0, encoded.length);
        bytes[TAG_SIZE] = (byte) numRequestQueues;
        bytes[TAG_SIZE + 1] = (byte) (numRequestQueues >>> 8);
        bytes[TAG_SIZE + 2] = (byte) (numRequestQueues >>> 16);
        bytes[TAG_SIZE + 3] = (byte) (numRequestQueues >>> 24);
        return bytes;
    }

    /**
     * A driver's read of {@code length} bytes at {@code offset}.
     *
     * @throws ConfigAccessException if the range is not inside the configuration space
     */
    public byte[] read(int offset, int length) throws ConfigAccessException {
        if (offset < 0 || length < 0 || offset > SIZE || length > SIZE - offset) {
            throw new ConfigAccessException(ConfigAccessException.Kind.OUT_OF_RANGE, offset, length);
        }
        return Arrays.copyOfRange(bytes(), offset, offset + length);
    }
}
