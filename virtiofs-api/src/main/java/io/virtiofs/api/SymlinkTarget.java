package io.virtiofs.api;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What a symbolic link points to, byte for byte: any bytes but NUL, 1 to {@value #MAX_LENGTH}.
 */
public final class SymlinkTarget {

    /** The longest target Linux accepts (PATH_MAX without its NUL). */
    public static final int MAX_LENGTH = 4095;

    private final byte[] bytes;

    private SymlinkTarget(byte[] bytes) {
        if (bytes.length == 0) {
            throw new ErrnoException(Errno.ENOENT, "empty symlink target");
        }
        if (bytes.length > MAX_LENGTH) {
            throw new ErrnoException(Errno.ENAMETOOLONG,
                    "symlink target of " + bytes.length + " bytes exceeds " + MAX_LENGTH);
        }
        for (byte b : bytes) {
            if (b == 0) {
                throw new ErrnoException(Errno.EINVAL, "symlink target contains NUL");
            }
        }
        this.bytes = bytes;
    }

    /** A target from its bytes (copied). */
    public static SymlinkTarget of(byte[] bytes) {
        return new SymlinkTarget(bytes.clone());
    }

    /** A target from UTF-8 text. */
    public static SymlinkTarget of(String target) {
        return new SymlinkTarget(target.getBytes(StandardCharsets.UTF_8));
    }

    /** A target that takes ownership of {@code bytes}; the caller must not change them. */
    public static SymlinkTarget ofOwned(byte[] bytes) {
        return new SymlinkTarget(bytes);
    }

    /** The number of bytes. */
    public int length() {
        return bytes.length;
    }

    /** A copy of the bytes. */
    public byte[] toBytes() {
        return bytes.clone();
    }

    /** Writes the bytes to {@code out} without copying them first. */
    public void writeTo(io.netty.buffer.ByteBuf out) {
        out.writeBytes(bytes);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SymlinkTarget that && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** The target decoded as UTF-8. */
    @Override
    public String toString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
