package io.virtiofs.transport.internal.nativeio;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A file handle from {@code name_to_handle_at(2)}: names an inode of one file system for as long
 * as it exists, without an open descriptor ({@code open_by_handle_at(2)} opens it again).
 */
public final class HostFileHandle {

    private final int type;
    private final byte[] handle;
    private final int mountId;
    private final int hash;

    HostFileHandle(int type, byte[] handle, int mountId) {
        this.type = type;
        this.handle = handle;
        this.mountId = mountId;
        this.hash = (Arrays.hashCode(handle) * 31 + type) * 31 + mountId;
    }

    /** {@code handle_type}. */
    public int type() {
        return type;
    }

    /** {@code handle_bytes}. */
    public int length() {
        return handle.length;
    }

    /** The mount id {@code name_to_handle_at} reported. */
    public int mountId() {
        return mountId;
    }

    void copyTo(MemorySegment target) {
        MemorySegment.copy(handle, 0, target, ValueLayout.JAVA_BYTE, 0, handle.length);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof HostFileHandle that && type == that.type && mountId == that.mountId
                && Arrays.equals(handle, that.handle);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "HostFileHandle[type " + type + ", " + handle.length + " bytes, mount " + mountId + "]";
    }
}
