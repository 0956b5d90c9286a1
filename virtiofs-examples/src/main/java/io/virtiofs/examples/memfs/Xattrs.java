package io.virtiofs.examples.memfs;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.XattrFlags;
import io.virtiofs.api.XattrName;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The extended attributes of one node: names to values, in the order they were first set, with
 * the limits of Linux ({@code include/uapi/linux/limits.h}): names up to {@value #NAME_MAX}
 * bytes, values up to {@value #SIZE_MAX} bytes, and the encoded name list up to
 * {@value #LIST_MAX} bytes (so {@code listxattr} can always answer).
 *
 * <p>Not thread-safe: guarded by the node's metadata lock. Which names a caller may use is
 * {@link XattrNamespace}'s business.
 */
final class Xattrs {

    /** XATTR_NAME_MAX: the longest name, in bytes. */
    static final int NAME_MAX = 255;
    /** XATTR_SIZE_MAX: the largest value, in bytes. */
    static final int SIZE_MAX = 65536;
    /** XATTR_LIST_MAX: the largest name list (names with their NULs), in bytes. */
    static final int LIST_MAX = 65536;

    private final LinkedHashMap<XattrName, byte[]> values = new LinkedHashMap<>();
    private int listBytes;

    /**
     * Sets {@code name} to {@code value} (kept, not copied).
     *
     * @throws ErrnoException {@code EEXIST} with XATTR_CREATE when present, {@code ENODATA} with
     *     XATTR_REPLACE when absent, {@code E2BIG} for a value over {@value #SIZE_MAX} bytes,
     *     {@code ENOSPC} when the name list would pass {@value #LIST_MAX} bytes
     */
    void set(XattrName name, byte[] value, XattrFlags flags) {
        if (value.length > SIZE_MAX) {
            throw new ErrnoException(Errno.E2BIG, "xattr value of " + value.length + " bytes exceeds " + SIZE_MAX);
        }
        boolean present = values.containsKey(name);
        if (present && flags.create()) {
            throw new ErrnoException(Errno.EEXIST, "xattr " + name + " exists (XATTR_CREATE)");
        }
        if (!present && flags.replace()) {
            throw new ErrnoException(Errno.ENODATA, "xattr " + name + " is absent (XATTR_REPLACE)");
        }
        if (!present) {
            int added = encodedLength(name);
            if (listBytes + added > LIST_MAX) {
                throw new ErrnoException(Errno.ENOSPC, "the xattr names of this node would exceed " + LIST_MAX + " bytes");
            }
            listBytes += added;
        }
        values.put(name, value);
    }

    /** The value of {@code name}, or null. */
    byte @Nullable [] get(XattrName name) {
        return values.get(name);
    }

    /**
     * Removes {@code name}.
     *
     * @throws ErrnoException {@code ENODATA} when absent
     */
    void remove(XattrName name) {
        if (values.remove(name) == null) {
            throw new ErrnoException(Errno.ENODATA, "xattr " + name + " is absent");
        }
        listBytes -= encodedLength(name);
    }

    /** The names, in the order they were first set. */
    List<XattrName> names() {
        return new ArrayList<>(values.keySet());
    }

    /** The length of a name in the list: its bytes and a NUL. */
    static int encodedLength(XattrName name) {
        return name.length() + 1;
    }
}
