package io.virtiofs.api;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One component of a path, byte for byte as the driver sent it.
 *
 * <p>Linux names are bytes, not text: any byte but {@code '/'} and NUL, at most
 * {@value #MAX_LENGTH} of them. A file system that keys its directories by {@code FileName}
 * keeps names that are not valid UTF-8 intact; {@link #toString()} decodes UTF-8 for display.
 */
public final class FileName implements Comparable<FileName> {

    /** The longest name Linux allows (NAME_MAX). */
    public static final int MAX_LENGTH = 255;

    /** The name {@code "."}. */
    public static final FileName DOT = new FileName(new byte[] {'.'});

    /** The name {@code ".."}. */
    public static final FileName DOT_DOT = new FileName(new byte[] {'.', '.'});

    private final byte[] bytes;
    private int hash;

    private FileName(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * A name from its bytes (copied).
     *
     * @throws ErrnoException {@code ENAMETOOLONG} when longer than {@value #MAX_LENGTH} bytes,
     *     {@code EINVAL} when empty or containing {@code '/'} or NUL
     */
    public static FileName of(byte[] bytes) {
        return ofOwned(bytes.clone());
    }

    /** A name from UTF-8 text, checked as {@link #of(byte[])} checks bytes. */
    public static FileName of(String name) {
        return ofOwned(name.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A name that takes ownership of {@code bytes} (no copy): for decoders that made the array
     * themselves. The caller must not change the array afterwards.
     */
    public static FileName ofOwned(byte[] bytes) {
        validate(bytes);
        if (bytes.length == 1 && bytes[0] == '.') {
            return DOT;
        }
        if (bytes.length == 2 && bytes[0] == '.' && bytes[1] == '.') {
            return DOT_DOT;
        }
        return new FileName(bytes);
    }

    private static void validate(byte[] bytes) {
        if (bytes.length == 0) {
            throw new ErrnoException(Errno.EINVAL, "empty file name");
        }
        if (bytes.length > MAX_LENGTH) {
            throw new ErrnoException(Errno.ENAMETOOLONG,
                    "file name of " + bytes.length + " bytes exceeds " + MAX_LENGTH);
        }
        for (byte b : bytes) {
            if (b == 0 || b == '/') {
                throw new ErrnoException(Errno.EINVAL, "file name contains " + (b == 0 ? "NUL" : "'/'"));
            }
        }
    }

    /** The number of bytes, 1..{@value #MAX_LENGTH}. */
    public int length() {
        return bytes.length;
    }

    /** The byte at {@code index}. */
    public byte byteAt(int index) {
        return bytes[index];
    }

    /** A copy of the bytes. */
    public byte[] toBytes() {
        return bytes.clone();
    }

    /** Writes the bytes (no NUL) to {@code out} without copying them first. */
    public void writeTo(io.netty.buffer.ByteBuf out) {
        out.writeBytes(bytes);
    }

    /** Copies the name's bytes into {@code destination} from {@code offset}, without a copy in between. */
    public void copyTo(byte[] destination, int offset) {
        System.arraycopy(bytes, 0, destination, offset, bytes.length);
    }

    /** Whether this is {@code "."} or {@code ".."}. */
    public boolean isDotOrDotDot() {
        return this == DOT || this == DOT_DOT;
    }

    /** Whether the bytes are well-formed UTF-8 (then {@link #toString()} is exact). */
    public boolean isUtf8() {
        return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes), java.nio.CharBuffer.allocate(bytes.length), true).isUnderflow();
    }

    @Override
    public boolean equals(Object other) {
        return this == other || other instanceof FileName that && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Arrays.hashCode(bytes);
            hash = h;
        }
        return h;
    }

    /** Orders names by unsigned bytes, as {@code strcmp} does. */
    @Override
    public int compareTo(FileName other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    /** The name decoded as UTF-8 (malformed bytes become U+FFFD). */
    @Override
    public String toString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
