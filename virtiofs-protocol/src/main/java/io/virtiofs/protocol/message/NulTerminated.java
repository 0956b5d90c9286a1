package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FileName;
import io.virtiofs.api.SymlinkTarget;
import io.virtiofs.api.XattrName;
import io.virtiofs.protocol.MalformedRequestException;

/**
 * The NUL-terminated strings that follow request structs: file names ({@code NAME_MAX}),
 * symlink targets ({@code PATH_MAX}) and xattr names ({@code XATTR_NAME_MAX}). Every read checks
 * the bounds of untrusted input and fails with a {@link MalformedRequestException}; every write
 * appends the NUL.
 */
final class NulTerminated {

    /** XATTR_NAME_MAX: the longest xattr name, in bytes. */
    static final int XATTR_NAME_MAX = 255;

    private NulTerminated() {
    }

    /** Reads a file name and its NUL. */
    static FileName readFileName(ByteBuf in, String what) {
        byte[] bytes = readUpToNul(in, FileName.MAX_LENGTH, Errno.ENAMETOOLONG, what);
        if (bytes.length == 0) {
            throw MalformedRequestException.invalid(what + " is empty");
        }
        for (byte b : bytes) {
            if (b == '/') {
                throw MalformedRequestException.invalid(what + " contains '/'");
            }
        }
        return FileName.ofOwned(bytes);
    }

    /** Reads a file name and its NUL, which must be the last byte of {@code in}. */
    static FileName readLastFileName(ByteBuf in, String what) {
        FileName name = readFileName(in, what);
        requireEnd(in, what);
        return name;
    }

    /** Reads a symlink target and its NUL, which must be the last byte of {@code in}. */
    static SymlinkTarget readLastSymlinkTarget(ByteBuf in, String what) {
        byte[] bytes = readUpToNul(in, SymlinkTarget.MAX_LENGTH, Errno.ENAMETOOLONG, what);
        if (bytes.length == 0) {
            throw MalformedRequestException.invalid(what + " is empty");
        }
        requireEnd(in, what);
        return SymlinkTarget.ofOwned(bytes);
    }

    /**
     * Reads an xattr name and its NUL, as bytes (nothing is decoded): {@code ERANGE} when empty
     * or longer than {@value #XATTR_NAME_MAX} bytes (as {@code setxattr(2)} answers).
     */
    static XattrName readXattrName(ByteBuf in, String what) {
        byte[] bytes = readUpToNul(in, XATTR_NAME_MAX, Errno.ERANGE, what);
        if (bytes.length == 0) {
            throw new MalformedRequestException(Errno.ERANGE, what + " is empty");
        }
        return XattrName.ofOwned(bytes);
    }

    /** Reads an xattr name and its NUL, which must be the last byte of {@code in}. */
    static XattrName readLastXattrName(ByteBuf in, String what) {
        XattrName name = readXattrName(in, what);
        requireEnd(in, what);
        return name;
    }

    /** Fails unless {@code in} is used up: the string {@code what} must end the body. */
    static void requireEnd(ByteBuf in, String what) {
        if (in.isReadable()) {
            throw MalformedRequestException.invalid(what + " is followed by " + in.readableBytes() + " stray bytes");
        }
    }

    /**
     * Reads the bytes up to a NUL and skips the NUL: {@code EINVAL} without a NUL, {@code tooLong}
     * when there are more than {@code maxLength} (checked before anything is allocated).
     */
    static byte[] readUpToNul(ByteBuf in, int maxLength, Errno tooLong, String what) {
        int length = in.bytesBefore((byte) 0);
        if (length < 0) {
            throw MalformedRequestException.invalid(what + " has no terminating NUL");
        }
        if (length > maxLength) {
            throw new MalformedRequestException(tooLong, what + " of " + length + " bytes exceeds " + maxLength);
        }
        byte[] bytes = new byte[length];
        in.readBytes(bytes);
        in.skipBytes(1);
        return bytes;
    }

    /**
     * Reads a file name whose length a struct gave ({@code namelen}), then its NUL; the NUL must be
     * the last byte of {@code in}, as in the name-carrying notifications.
     */
    static FileName readCountedFileName(ByteBuf in, long namelen, String what) {
        if (namelen > FileName.MAX_LENGTH) {
            throw new MalformedRequestException(Errno.ENAMETOOLONG, what + " of " + namelen + " bytes exceeds "
                    + FileName.MAX_LENGTH);
        }
        if (namelen + 1 != in.readableBytes()) {
            throw MalformedRequestException.invalid(what + " of " + namelen + " bytes and its NUL, but "
                    + in.readableBytes() + " bytes follow");
        }
        if (in.getByte(in.readerIndex() + (int) namelen) != 0) {
            throw MalformedRequestException.invalid(what + " has no terminating NUL");
        }
        return readLastFileName(in, what);
    }

    /** Writes a file name and its NUL without copying the name. */
    static void writeFileName(ByteBuf out, FileName name) {
        writeBytes(out, name);
        out.writeByte(0);
    }

    /** Writes a name's bytes (no NUL) without copying them into a new array. */
    static void writeBytes(ByteBuf out, FileName name) {
        name.writeTo(out);
    }
}
