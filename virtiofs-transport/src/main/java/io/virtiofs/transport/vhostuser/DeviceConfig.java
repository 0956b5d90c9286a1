package io.virtiofs.transport.vhostuser;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A window of the device's configuration space (vhost-user.rst, "Virtio device config space";
 * {@code VhostUserConfig}): offset, size and flags (three 32-bit numbers), then {@code size} bytes.
 *
 * @param offset where the window starts in the configuration space
 * @param flags {@link #WRITABLE} or {@link #LIVE_MIGRATION}
 * @param bytes the window's contents; its length is the wire's {@code size}, at most {@value #MAX_SIZE}
 */
record DeviceConfig(int offset, int flags, byte[] bytes) {

    /** The size of the three numbers before the contents. */
    static final int HEADER_BYTES = 12;
    /** {@code VHOST_USER_MAX_CONFIG_SIZE}. */
    static final int MAX_SIZE = 256;
    /** {@code VHOST_SET_CONFIG_TYPE_FRONTEND}: a write of a writable field. */
    static final int WRITABLE = 0;
    /** {@code VHOST_SET_CONFIG_TYPE_MIGRATION}: a write during live migration. */
    static final int LIVE_MIGRATION = 1;

    DeviceConfig {
        if (offset < 0 || offset > MAX_SIZE) {
            throw new IllegalArgumentException("config offset " + Integer.toUnsignedString(offset) + " is outside 0.."
                    + MAX_SIZE);
        }
        if (bytes.length > MAX_SIZE) {
            throw new IllegalArgumentException("config size " + bytes.length + " is above " + MAX_SIZE);
        }
        if (flags != WRITABLE && flags != LIVE_MIGRATION) {
            throw new IllegalArgumentException("config flags " + Integer.toUnsignedString(flags) + " are neither "
                    + WRITABLE + " nor " + LIVE_MIGRATION);
        }
        bytes = bytes.clone();
    }

    /** The window's size. */
    int size() {
        return bytes.length;
    }

    /** The contents, as a copy. */
    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The size on the wire. */
    int wireSize() {
        return HEADER_BYTES + bytes.length;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof DeviceConfig that && offset == that.offset && flags == that.flags
                && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * offset + flags) + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "DeviceConfig[offset " + offset + ", flags " + flags + ", " + HexFormat.of().formatHex(bytes) + "]";
    }
}
