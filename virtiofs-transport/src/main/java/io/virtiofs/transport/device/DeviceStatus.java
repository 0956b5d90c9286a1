package io.virtiofs.transport.device;

/**
 * The device status field (VIRTIO 1.2 §2.1): the driver's progress through initialisation, and
 * the device's DEVICE_NEEDS_RESET.
 *
 * @param bits the status byte
 */
public record DeviceStatus(int bits) {

    /** ACKNOWLEDGE: the guest found the device. */
    public static final int ACKNOWLEDGE = 1;
    /** DRIVER: the guest knows how to drive it. */
    public static final int DRIVER = 2;
    /** DRIVER_OK: the driver is ready. */
    public static final int DRIVER_OK = 4;
    /** FEATURES_OK: feature negotiation is complete (the device keeps it only if it accepts the features). */
    public static final int FEATURES_OK = 8;
    /** DEVICE_NEEDS_RESET: the device hit an error it cannot recover from without a reset. */
    public static final int DEVICE_NEEDS_RESET = 0x40;
    /** FAILED: the driver gave up. */
    public static final int FAILED = 0x80;

    /** The reset state. */
    public static final DeviceStatus RESET = new DeviceStatus(0);

    public DeviceStatus {
        if (bits < 0 || bits > 0xff) {
            throw new IllegalArgumentException("device status " + bits + " is not a byte");
        }
    }

    /** Whether every bit of {@code flags} is set. */
    public boolean has(int flags) {
        return (bits & flags) == flags;
    }

    @Override
    public String toString() {
        if (bits == 0) {
            return "DeviceStatus[RESET]";
        }
        StringBuilder text = new StringBuilder("DeviceStatus[");
        String[] names = {"ACKNOWLEDGE", "DRIVER", "DRIVER_OK", "FEATURES_OK", "bit 4", "bit 5", "DEVICE_NEEDS_RESET",
            "FAILED"};
        boolean first = true;
        for (int bit = 0; bit < 8; bit++) {
            if ((bits & (1 << bit)) != 0) {
                text.append(first ? "" : "|").append(names[bit]);
                first = false;
            }
        }
        return text.append(']').toString();
    }
}
