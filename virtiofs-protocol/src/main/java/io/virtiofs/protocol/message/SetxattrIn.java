package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Errno;
import io.virtiofs.api.XattrName;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * FUSE_SETXATTR's request ({@code struct fuse_setxattr_in}, the name and NUL, then the value):
 * {@value #SIZE} bytes with FUSE_SETXATTR_EXT negotiated ({@link WireFormat#setxattrExt()}),
 * {@value #SIZE_COMPAT} otherwise (FUSE_COMPAT_SETXATTR_IN_SIZE, no {@code setxattr_flags}).
 *
 * <p>Limits as {@code setxattr(2)} has them: a name of 1..255 bytes ({@code ERANGE} otherwise), a
 * value of at most {@value #VALUE_MAX} bytes ({@code E2BIG} otherwise).
 *
 * @param size the value's length
 * @param flags {@code XATTR_CREATE}, {@code XATTR_REPLACE}
 * @param setxattrFlags {@code FUSE_SETXATTR_ACL_KILL_SGID}
 * @param name the attribute's name (bytes, as the driver sent them)
 * @param value the value; the record keeps its own copy
 */
public record SetxattrIn(int size, int flags, int setxattrFlags, XattrName name, byte[] value) implements FuseRequest {

    /** {@code sizeof(struct fuse_setxattr_in)} with FUSE_SETXATTR_EXT. */
    public static final int SIZE = 16;
    /** FUSE_COMPAT_SETXATTR_IN_SIZE, without FUSE_SETXATTR_EXT. */
    public static final int SIZE_COMPAT = 8;
    /** XATTR_SIZE_MAX: the largest value. */
    public static final int VALUE_MAX = 65536;

    public SetxattrIn {
        java.util.Objects.requireNonNull(name, "name");
        value = value.clone();
        if (value.length != size) {
            throw new IllegalArgumentException("xattr size " + size + " but a value of " + value.length + " bytes");
        }
        if (value.length > VALUE_MAX) {
            throw new IllegalArgumentException("xattr value of " + value.length + " bytes exceeds " + VALUE_MAX);
        }
    }

    /** A request naming the attribute by UTF-8 text (for drivers and tests). */
    public SetxattrIn(int size, int flags, int setxattrFlags, String name, byte[] value) {
        this(size, flags, setxattrFlags, XattrName.of(name), value);
    }

    /** The struct's size in a session of {@code format}. */
    public static int size(WireFormat format) {
        return format.setxattrExt() ? SIZE : SIZE_COMPAT;
    }

    /** A copy of the value. */
    @Override
    public byte[] value() {
        return value.clone();
    }

    public static SetxattrIn decode(ByteBuf body, WireFormat format) {
        int structSize = size(format);
        MalformedRequestException.requireReadable(body, structSize, "fuse_setxattr_in");
        WireOrder order = format.order();
        int size = order.readInt(body);
        int flags = order.readInt(body);
        int setxattrFlags = 0;
        if (structSize == SIZE) {
            setxattrFlags = order.readInt(body);
            body.skipBytes(4); // padding
        }
        XattrName name = NulTerminated.readXattrName(body, "xattr name");
        if (Integer.toUnsignedLong(size) > VALUE_MAX) {
            throw new MalformedRequestException(Errno.E2BIG, "xattr value of " + Integer.toUnsignedString(size)
                    + " bytes exceeds " + VALUE_MAX);
        }
        if (body.readableBytes() != size) {
            throw MalformedRequestException.invalid("xattr size " + size + " but " + body.readableBytes()
                    + " bytes of value");
        }
        byte[] value = new byte[size];
        body.readBytes(value);
        return new SetxattrIn(size, flags, setxattrFlags, name, value);
    }


    @Override
    public boolean equals(Object other) {
        return other instanceof SetxattrIn that && size == that.size && flags == that.flags
                && setxattrFlags == that.setxattrFlags && name.equals(that.name) && Arrays.equals(value, that.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(size, flags, setxattrFlags, name) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "SetxattrIn[size=" + size + ", flags=" + flags + ", setxattrFlags=" + setxattrFlags + ", name=" + name
                + "]";
    }
}
