package io.virtiofs.api;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The name of an extended attribute, byte for byte as the driver sent it: the same kind of value
 * as {@link FileName}.
 *
 * <p>Linux xattr names are bytes: any byte but NUL, 1 to {@value #MAX_LENGTH} of them, usually a
 * namespace prefix ({@code user.}, {@code trusted.}, {@code security.}, {@code system.}) and a
 * name. Nothing is decoded on the way in; {@link #toString()} decodes UTF-8 for display, and
 * {@link #hasPrefix} tests a namespace without decoding.
 */
public final class XattrName implements Comparable<XattrName> {

    /** XATTR_NAME_MAX: the longest name Linux allows. */
    public static final int MAX_LENGTH = 255;

    private final byte[] bytes;
    private int hash;

    private XattrName(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * A name from its bytes (copied).
     *
     * @throws ErrnoException {@code ERANGE} when empty or longer than {@value #MAX_LENGTH} bytes
     *     (as {@code setxattr(2)} answers), {@code EINVAL} when it contains NUL
     */
    public static XattrName of(byte[] bytes) {
        return ofOwned(bytes.clone());
    }

    /** A name from UTF-8 text, checked as {@link #of(byte[])} checks bytes. */
    public static XattrName of(String name) {
        return ofOwned(name.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A name that takes ownership of {@code bytes} (no copy): for decoders that made the array
     * themselves. The caller must not change the array afterwards.
     */
    public static XattrName ofOwned(byte[] bytes) {
        if (bytes.length == 0) {
            throw new ErrnoException(Errno.ERANGE, "empty xattr name");
        }
        if (bytes.length > MAX_LENGTH) {
            throw new ErrnoException(Errno.ERANGE, "xattr name of " + bytes.length + " bytes exceeds " + MAX_LENGTH);
        }
        for (byte b : bytes) {
            if (b == 0) {
                throw new ErrnoException(Errno.EINVAL, "xattr name contains NUL");
            }
        }
        return new XattrName(bytes);
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

    /**
     * Whether the name starts with {@code prefix} (compared as ASCII bytes, without decoding the
     * name), as in {@code name.hasPrefix("user.")}.
     */
    public boolean hasPrefix(String prefix) {
        int n = prefix.length();
        if (n > bytes.length) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = prefix.charAt(i);
            if (c > 0x7f) {
                throw new IllegalArgumentException("xattr prefix '" + prefix + "' is not ASCII");
            }
            if (bytes[i] != (byte) c) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object other) {
        return this == other || other instanceof XattrName that && Arrays.equals(bytes, that.bytes);
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
    public int compareTo(XattrName other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    /** The name decoded as UTF-8 (malformed bytes become U+FFFD). */
    @Override
    public String toString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
