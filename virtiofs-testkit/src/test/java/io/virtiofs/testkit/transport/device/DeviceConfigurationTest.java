package io.virtiofs.testkit.transport.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.transport.device.ConfigAccessException;
import io.virtiofs.transport.device.DaxWindowTable;
import io.virtiofs.transport.device.DeviceStatus;
import io.virtiofs.transport.device.ReservedDaxBacking;
import io.virtiofs.transport.device.VirtioFeature;
import io.virtiofs.transport.device.VirtioFsConfig;
import io.virtiofs.transport.device.CallEvent;
import io.virtiofs.transport.device.VirtioFsDevice;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Configuration space bytes, feature negotiation and device status. */
class DeviceConfigurationTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void configurationSpaceBytes() throws Exception {
        VirtioFsConfig config = new VirtioFsConfig("myfs", 0x0102);
        assertArrayEquals(HEX.parseHex("6d796673" + "00".repeat(32) + "02010000"), config.bytes());
        assertEquals(VirtioFsConfig.SIZE, config.bytes().length);
        assertArrayEquals(HEX.parseHex("02010000"), config.read(36, 4));
        assertArrayEquals(HEX.parseHex("6673"), config.read(2, 2));
        assertArrayEquals(new byte[0], config.read(40, 0));
    }

    @Test
    void fullTagIsNotTerminated() {
        String tag = "a".repeat(35) + "z";
        byte[] bytes = new VirtioFsConfig(tag, 1).bytes();
        assertArrayEquals(tag.getBytes(StandardCharsets.US_ASCII), java.util.Arrays.copyOf(bytes, 36));
        assertArrayEquals(HEX.parseHex("01000000"), java.util.Arrays.copyOfRange(bytes, 36, 40));
    }

    @Test
    void tagIsUtf8() {
        String tag = "dösier-€";
        byte[] bytes = new VirtioFsConfig(tag, 1).bytes();
        assertArrayEquals(HEX.parseHex("64c3b6736965722de282ac" + "00".repeat(25) + "01000000"), bytes);
    }

    @Test
    void badTagsAndQueueCountsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new VirtioFsConfig("", 1), "empty");
        assertThrows(IllegalArgumentException.class, () -> new VirtioFsConfig("a".repeat(37), 1), "37 bytes");
        assertThrows(IllegalArgumentException.class, () -> new VirtioFsConfig("a".repeat(35) + "é", 1),
                "36 characters but 37 bytes of UTF-8");
        assertThrows(IllegalArgumentException.class, () -> new VirtioFsConfig("a\0b", 1), "NUL inside");
        assertThrows(IllegalArgumentException.class, () -> new VirtioFsConfig("bad\ud800", 1), "lone surrogate");
        assertThrows(IllegalArgumentException.class, () -> new VirtioFsConfig("fs", 0), "num_queues >= 1");
        assertThrows(IllegalArgumentException.class, () -> VirtioFsDevice.builder("x".repeat(40)).build(
                new TestFuseHandler()), "the device refuses it when built");
    }

    @Test
    void outOfRangeReadsAndAllWritesAreTypedErrors() {
        try (VirtioFsDevice device = VirtioFsDevice.builder("cfg").requestQueues(3).build(new TestFuseHandler())) {
            ConfigAccessException past = assertThrows(ConfigAccessException.class, () -> device.readConfig(38, 4));
            assertEquals(ConfigAccessException.Kind.OUT_OF_RANGE, past.kind());
            assertEquals(38, past.offset());
            assertEquals(4, past.length());
            assertThrows(ConfigAccessException.class, () -> device.readConfig(-1, 1));
            assertThrows(ConfigAccessException.class, () -> device.readConfig(0, Integer.MAX_VALUE));
            ConfigAccessException write = assertThrows(ConfigAccessException.class,
                    () -> device.writeConfig(36, new byte[] {9, 0, 0, 0}));
            assertEquals(ConfigAccessException.Kind.WRITE_REFUSED, write.kind());
            assertArrayEquals(HEX.parseHex("03000000"), assertDoesNotThrowRead(device), "the write changed nothing");
            assertEquals(4, device.queueCount());
            assertEquals(26, VirtioFsDevice.DEVICE_ID);
        }
    }

    private static byte[] assertDoesNotThrowRead(VirtioFsDevice device) {
        try {
            return device.readConfig(36, 4);
        } catch (ConfigAccessException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theQueueCountReadIsWhatTheFrontEndSetUpWhenThatIsFewer() throws Exception {
        try (VirtioFsDevice device = VirtioFsDevice.builder("generic").requestQueues(4).build(new TestFuseHandler())) {
            assertArrayEquals(HEX.parseHex("04000000"), device.readConfig(36, 4), "nothing configured yet: all");
            // QEMU's generic vhost-user device with num_vqs=3 sets up vrings 0..2 before its guest reads.
            for (int vring = 0; vring < 3; vring++) {
                device.setQueueCall(vring, CallEvent.none());
            }
            assertArrayEquals(HEX.parseHex("02000000"), device.readConfig(36, 4), "hiprio and two request queues");
            device.reset();
            assertArrayEquals(HEX.parseHex("02000000"), device.readConfig(36, 4), "a reset (a guest reboot) keeps it");
            assertEquals(4, device.config().numRequestQueues(), "the queues served are still four");
            device.setQueueSize(4, 64);
            assertArrayEquals(HEX.parseHex("04000000"), device.readConfig(36, 4), "all four set up: all four");
        }
        try (VirtioFsDevice device = VirtioFsDevice.builder("hiprio-only").requestQueues(2).build(new TestFuseHandler())) {
            device.setQueueCall(0, CallEvent.none());
            assertArrayEquals(HEX.parseHex("02000000"), device.readConfig(36, 4), "never fewer than one request queue");
        }
    }

    @Test
    void offeredFeatures() {
        try (VirtioFsDevice device = VirtioFsDevice.builder("features").build(new TestFuseHandler())) {
            assertEquals(1L << 32 | 1L << 29 | 1L << 28, device.deviceFeatures());
            assertEquals("RING_INDIRECT_DESC|RING_EVENT_IDX|VERSION_1", VirtioFeature.describe(device.deviceFeatures()));
            assertEquals("IN_ORDER|bit 63", VirtioFeature.describe(VirtioFeature.IN_ORDER.mask() | 1L << 63));
        }
    }

    @Test
    void featuresOkSticksOnlyForAcceptableFeatures() {
        try (VirtioFsDevice device = VirtioFsDevice.builder("negotiate").build(new TestFuseHandler())) {
            int driver = DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER;
            device.setStatus(driver);
            device.setDriverFeatures(VirtioFeature.RING_EVENT_IDX.mask());
            device.setStatus(driver | DeviceStatus.FEATURES_OK);
            assertEquals(new DeviceStatus(driver), device.status(), "VERSION_1 is required");
            assertThrows(IllegalStateException.class, () -> device.startQueue(1));

            device.setDriverFeatures(VirtioFeature.VERSION_1.mask() | VirtioFeature.IN_ORDER.mask());
            device.setStatus(driver | DeviceStatus.FEATURES_OK);
            assertFalse(device.status().has(DeviceStatus.FEATURES_OK), "IN_ORDER was not offered");

            device.setDriverFeatures(VirtioFeature.VERSION_1.mask() | VirtioFeature.RING_EVENT_IDX.mask());
            device.setStatus(driver | DeviceStatus.FEATURES_OK);
            assertTrue(device.status().has(DeviceStatus.FEATURES_OK));
            assertTrue(device.featuresAcceptable());
            assertEquals("DeviceStatus[ACKNOWLEDGE|DRIVER|FEATURES_OK]", device.status().toString());

            assertThrows(IllegalStateException.class, () -> device.startQueue(1), "no ring addresses yet");
            device.setQueueAddresses(1, 0x1000, 0x2000, 0x3000);
            assertThrows(IllegalStateException.class, () -> device.startQueue(1), "no kick yet");

            device.setStatus(0);
            assertEquals(DeviceStatus.RESET, device.status());
            assertEquals(0, device.driverFeatures());
        }
    }

    @Test
    void queueControlChecksItsArguments() {
        try (VirtioFsDevice device = VirtioFsDevice.builder("queues").maxQueueSize(256).build(new TestFuseHandler())) {
            assertEquals(256, device.maxQueueSize());
            assertThrows(IllegalArgumentException.class, () -> device.setQueueSize(1, 512));
            assertThrows(IllegalArgumentException.class, () -> device.setQueueSize(1, 100));
            assertThrows(IllegalArgumentException.class, () -> device.setQueueSize(2, 64), "only queues 0 and 1");
            assertThrows(IllegalArgumentException.class, () -> device.setQueueAddresses(1, 8, 0, 0));
            assertThrows(IllegalArgumentException.class, () -> device.setQueueBase(1, 0x10000));
            assertThrows(IllegalArgumentException.class, () -> device.setStatus(0x100));
            device.setQueueSize(1, 64);
            assertEquals(0, device.stopQueue(1), "a queue never started stops where it would start");
        }
    }

    @Test
    void daxWindowIsOptional() throws Exception {
        try (VirtioFsDevice plain = VirtioFsDevice.builder("nodax").build(new TestFuseHandler());
             ReservedDaxBacking backing = ReservedDaxBacking.reserve(1 << 20)) {
            assertTrue(plain.daxWindow().isEmpty());
            DaxWindowTable window = new DaxWindowTable(backing);
            try (VirtioFsDevice dax = VirtioFsDevice.builder("dax").daxWindow(window).build(new TestFuseHandler())) {
                assertEquals(1 << 20, dax.daxWindow().orElseThrow().size());
            }
        }
    }
}
