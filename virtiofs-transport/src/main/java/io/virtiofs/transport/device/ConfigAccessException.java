package io.virtiofs.transport.device;

/**
 * A driver accessed the configuration space in a way the device refuses: a read outside it, or
 * any write (virtio-fs specification: "The driver MUST NOT write to device configuration
 * fields").
 */
public final class ConfigAccessException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What was refused. */
    public enum Kind {
        /** A range outside the configuration space. */
        OUT_OF_RANGE,
        /** A write: every field is read-only. */
        WRITE_REFUSED
    }

    private final Kind kind;
    private final int offset;
    private final int length;

    public ConfigAccessException(Kind kind, int offset, int length) {
        super((kind == Kind.WRITE_REFUSED ? "driver write to the read-only virtio-fs configuration"
                : "configuration access outside the " + VirtioFsConfig.SIZE + "-byte virtio-fs configuration")
                + " at offset " + offset + ", " + length + " bytes", null, false, false);
        this.kind = kind;
        this.offset = offset;
        this.length = length;
    }

    public Kind kind() {
        return kind;
    }

    public int offset() {
        return offset;
    }

    public int length() {
        return length;
    }
}
