package io.virtiofs.transport.vhostuser;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import io.virtiofs.transport.internal.Seeds;
import io.virtiofs.transport.vhostuser.BackEndReply.ConfigReply;
import io.virtiofs.transport.vhostuser.BackEndReply.U64Reply;
import io.virtiofs.transport.vhostuser.BackEndReply.VringBaseReply;
import io.virtiofs.transport.vhostuser.FrontEndMessage.AddMemReg;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetConfig;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetMaxMemSlots;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetProtocolFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetQueueNum;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetStatus;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetVringBase;
import io.virtiofs.transport.vhostuser.FrontEndMessage.RemMemReg;
import io.virtiofs.transport.vhostuser.FrontEndMessage.ResetDevice;
import io.virtiofs.transport.vhostuser.FrontEndMessage.ResetOwner;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetConfig;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetMemTable;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetOwner;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetProtocolFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetStatus;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringAddr;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringBase;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringCall;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringEnable;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringErr;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringKick;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringNum;
import io.virtiofs.transport.vhostuser.FrontEndMessage.Unsupported;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class MessageCodecTest {

    private static final HexFormat HEX = HexFormat.of();

    private static byte[] request(FrontEndMessage message, boolean needReply) {
        MemorySegment out = MemorySegment.ofArray(new byte[MessageHeader.BYTES + MessageHeader.MAX_PAYLOAD]);
        int length = MessageCodec.writeRequest(message, needReply, out);
        return out.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
    }

    private static FrontEndMessage decode(byte[] wire, int fds) throws VhostUserProtocolException {
        MemorySegment segment = MemorySegment.ofArray(wire);
        MessageHeader header = MessageHeader.readRequest(segment);
        return MessageCodec.decode(header, segment.asSlice(MessageHeader.BYTES), fds);
    }

    private static VhostUserProtocolException fault(ProtocolFault expected, String hex, int fds) {
        VhostUserProtocolException e = assertThrows(VhostUserProtocolException.class, () -> decode(HEX.parseHex(hex), fds));
        assertEquals(expected, e.fault(), e.getMessage());
        return e;
    }

    @Test
    void setVringAddrGoldenBytes() throws Exception {
        FrontEndMessage message = new SetVringAddr(new VringAddress(1, 0, 0x7f0000001000L, 0x7f0000003000L,
                0x7f0000002000L, 0));
        String wire = "09000000" + "01000000" + "28000000"
                + "01000000" + "00000000"
                + "00100000007f0000" + "00300000007f0000" + "00200000007f0000" + "0000000000000000";
        assertEquals(wire, HEX.formatHex(request(message, false)));
        assertEquals(message, decode(HEX.parseHex(wire), 0));
    }

    @Test
    void setMemTableGoldenBytesWithNeedReply() throws Exception {
        FrontEndMessage message = new SetMemTable(List.of(
                new MemoryRegion(0, 0xa0000, 0x7f1200000000L, 0),
                new MemoryRegion(0x100000, 0x3ff00000, 0x7f1200100000L, 0x100000)));
        String wire = "05000000" + "09000000" + "48000000"
                + "02000000" + "00000000"
                + "0000000000000000" + "00000a0000000000" + "00000000127f0000" + "0000000000000000"
                + "0000100000000000" + "0000f03f00000000" + "00001000127f0000" + "0000100000000000";
        assertEquals(wire, HEX.formatHex(request(message, true)));
        assertEquals(message, decode(HEX.parseHex(wire), 2));
    }

    @Test
    void vringKickWordCarriesIndexAndNoFdFlag() throws Exception {
        assertEquals("0c000000" + "01000000" + "08000000" + "0301000000000000",
                HEX.formatHex(request(new SetVringKick(3, true), false)));
        assertEquals(new SetVringKick(3, true), decode(HEX.parseHex("0c000000010000000800000003010000" + "00000000"), 0));
        assertEquals(new SetVringCall(255, false), decode(HEX.parseHex("0d0000000100000008000000ff000000" + "00000000"), 1));
    }

    @Test
    void repliesCarryTheReplyFlagAndTheirPayload() throws Exception {
        MemorySegment out = MemorySegment.ofArray(new byte[64]);
        int length = MessageCodec.writeReply(new U64Reply(1, 0x1_4000_0000L | (1L << 28) | (1L << 29)), out);
        assertEquals("01000000" + "05000000" + "08000000" + "0000007001000000",
                HEX.formatHex(out.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE)));
        length = MessageCodec.writeReply(new VringBaseReply(1, 0x1234), out);
        assertEquals("0b000000" + "05000000" + "08000000" + "01000000" + "34120000",
                HEX.formatHex(out.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE)));
        length = MessageCodec.writeReply(new ConfigReply(Optional.empty()), out);
        assertEquals("18000000" + "05000000" + "00000000", HEX.formatHex(out.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE)));
        length = MessageCodec.writeReply(new ConfigReply(Optional.of(new DeviceConfig(0, 0, new byte[] {'f', 's'}))), out);
        assertEquals("18000000" + "05000000" + "0e000000" + "00000000" + "02000000" + "00000000" + "6673",
                HEX.formatHex(out.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE)));
    }

    @Test
    void unsupportedAndUndefinedRequestsDecodeAsUnsupportedWithTheirSize() throws Exception {
        assertEquals(new Unsupported(22, 16), decode(HEX.parseHex("1600000001000000100000" + "00" + "00".repeat(16)), 1));
        assertEquals(new Unsupported(99, 0), decode(HEX.parseHex("630000000100000000000000"), 0));
        assertEquals("request 99", new Unsupported(99, 0).name());
        assertEquals("IOTLB_MSG", new Unsupported(22, 0).name());
    }

    @Test
    void headerFaults() {
        fault(ProtocolFault.BAD_HEADER, "010000000000000000000000", 0);
        fault(ProtocolFault.BAD_HEADER, "010000000200000000000000", 0);
        fault(ProtocolFault.BAD_HEADER, "010000000500000000000000", 0);
        fault(ProtocolFault.BAD_HEADER, "010000001100000000000000", 0);
        VhostUserProtocolException big = fault(ProtocolFault.BAD_HEADER, "010000000100000001100000", 0);
        assertEquals("BAD_HEADER: GET_FEATURES: payload size 4097 is above 4096", big.getMessage());
        fault(ProtocolFault.BAD_HEADER, "0100000001000000ffffffff", 0);
    }

    @Test
    void payloadFaults() {
        VhostUserProtocolException size = fault(ProtocolFault.PAYLOAD_SIZE, "010000000100000004000000" + "00000000", 0);
        assertEquals("PAYLOAD_SIZE: GET_FEATURES carries 0 payload bytes, got 4", size.getMessage());
        fault(ProtocolFault.PAYLOAD_SIZE, "020000000100000004000000" + "00000000", 0);
        fault(ProtocolFault.PAYLOAD_SIZE, "090000000100000020000000" + "00".repeat(32), 0);
        // SET_MEM_TABLE: count says 2, one region present.
        fault(ProtocolFault.PAYLOAD_SIZE, "050000000100000028000000" + "02000000" + "00000000" + "00".repeat(8)
                + "0010000000000000" + "00".repeat(16), 2);
        // SET_MEM_TABLE: 9 regions.
        fault(ProtocolFault.INVALID_FIELD, "050000000100000008000000" + "09000000" + "00000000", 9);
        // SET_VRING_ENABLE 2.
        VhostUserProtocolException enable = fault(ProtocolFault.INVALID_FIELD,
                "120000000100000008000000" + "00000000" + "02000000", 0);
        assertEquals("INVALID_FIELD: SET_VRING_ENABLE: enable value 2 is neither 0 nor 1", enable.getMessage());
        // SET_VRING_KICK with a bit above the no-fd flag.
        fault(ProtocolFault.INVALID_FIELD, "0c0000000100000008000000" + "0002000000000000", 0);
        // SET_STATUS above a byte.
        fault(ProtocolFault.INVALID_FIELD, "270000000100000008000000" + "0001000000000000", 0);
        // GET_CONFIG: size 257.
        fault(ProtocolFault.INVALID_FIELD, "18000000010000000c000000" + "00000000" + "01010000" + "00000000", 0);
        // GET_CONFIG: size 4, 2 bytes present.
        fault(ProtocolFault.PAYLOAD_SIZE, "18000000010000000e000000" + "00000000" + "04000000" + "00000000" + "0000", 0);
        // ADD_MEM_REG of size 0.
        fault(ProtocolFault.INVALID_FIELD, "250000000100000028000000" + "00".repeat(40), 1);
        // SET_VRING_ADDR with an unknown flag.
        fault(ProtocolFault.INVALID_FIELD, "090000000100000028000000" + "00000000" + "02000000" + "00".repeat(32), 0);
    }

    @Test
    void descriptorCountFaults() throws Exception {
        VhostUserProtocolException kick = fault(ProtocolFault.FD_COUNT, "0c0000000100000008000000" + "0000000000000000", 0);
        assertEquals("FD_COUNT: SET_VRING_KICK came with 0 descriptors, expected 1", kick.getMessage());
        fault(ProtocolFault.FD_COUNT, "0c0000000100000008000000" + "0001000000000000", 1);
        fault(ProtocolFault.FD_COUNT, "010000000100000000000000", 1);
        String oneRegion = "050000000100000028000000" + "01000000" + "00000000" + "00".repeat(8) + "0010000000000000"
                + "00".repeat(16);
        fault(ProtocolFault.FD_COUNT, oneRegion, 0);
        fault(ProtocolFault.FD_COUNT, oneRegion, 2);
        String single = "00".repeat(16) + "0010000000000000" + "00".repeat(16);
        fault(ProtocolFault.FD_COUNT, "250000000100000028000000" + single, 0);
        fault(ProtocolFault.FD_COUNT, "260000000100000028000000" + single, 2);
        assertEquals(new RemMemReg(new MemoryRegion(0, 0x1000, 0, 0)), decode(HEX.parseHex("260000000100000028000000" + single), 1));
    }

    @TestFactory
    Stream<DynamicTest> randomMessagesRoundTrip() {
        return Seeds.of(40).mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> {
            SplittableRandom random = new SplittableRandom(seed);
            for (int i = 0; i < 50; i++) {
                FrontEndMessage message = randomMessage(random);
                boolean needReply = random.nextBoolean();
                byte[] wire = request(message, needReply);
                MessageHeader header = MessageHeader.readRequest(MemorySegment.ofArray(wire));
                assertEquals(needReply, header.needsReply(), "seed " + seed);
                assertEquals(message.request(), header.request(), "seed " + seed);
                assertEquals(wire.length - MessageHeader.BYTES, header.size(), "seed " + seed);
                FrontEndMessage decoded = decode(wire, message.expectedFds());
                assertEquals(message, decoded, "seed " + seed);
                assertArrayEquals(wire, request(decoded, needReply), "seed " + seed);
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> randomBytesGiveMessagesOrTypedFaultsOnly() {
        return Seeds.of(40).mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> {
            SplittableRandom random = new SplittableRandom(seed);
            for (int i = 0; i < 500; i++) {
                byte[] wire = randomWire(random);
                int fds = random.nextInt(MessageCodec.MAX_FDS + 1);
                try {
                    FrontEndMessage decoded = decode(wire, fds);
                    // Whatever decodes must encode back to the same bytes (modulo ignored padding).
                    byte[] again = request(decoded, (wire[4] & MessageHeader.NEED_REPLY) != 0);
                    assertEquals(wire.length, again.length, "seed " + seed + ": " + decoded);
                } catch (VhostUserProtocolException expected) {
                    // A typed fault: fine.
                } catch (RuntimeException e) {
                    fail("seed " + seed + ", input " + HEX.formatHex(wire) + ", " + fds + " fds: " + e, e);
                }
            }
        }));
    }

    /** A header with a mostly valid shape (so payload decoders run) and random payload bytes. */
    static byte[] randomWire(SplittableRandom random) {
        int request = random.nextInt(10) == 0 ? random.nextInt() : random.nextInt(45);
        int flags = random.nextInt(10) == 0 ? random.nextInt() : MessageHeader.VERSION | (random.nextBoolean() ? 8 : 0);
        int[] sizes = {0, 8, 40, 8 + 32 * random.nextInt(9), 12 + random.nextInt(260), random.nextInt(300)};
        int size = sizes[random.nextInt(sizes.length)];
        byte[] payload = new byte[size];
        random.nextBytes(payload);
        if (size >= 8 && random.nextBoolean()) {
            // Small counts and sizes, so table and config decoders get past their first check.
            payload[0] = (byte) random.nextInt(10);
            payload[1] = payload[2] = payload[3] = 0;
            payload[4] = (byte) random.nextInt(3);
            payload[5] = payload[6] = payload[7] = 0;
        }
        MemorySegment wire = MemorySegment.ofArray(new byte[MessageHeader.BYTES + size]);
        wire.set(ValueLayout.JAVA_INT_UNALIGNED, 0, request);
        wire.set(ValueLayout.JAVA_INT_UNALIGNED, 4, flags);
        wire.set(ValueLayout.JAVA_INT_UNALIGNED, 8, size);
        MemorySegment.copy(payload, 0, wire, ValueLayout.JAVA_BYTE, MessageHeader.BYTES, size);
        return wire.toArray(ValueLayout.JAVA_BYTE);
    }

    static FrontEndMessage randomMessage(SplittableRandom random) {
        return switch (random.nextInt(30)) {
            case 0 -> new GetFeatures();
            case 1 -> new SetFeatures(random.nextLong());
            case 2 -> new SetOwner();
            case 3 -> new ResetOwner();
            case 4 -> new SetMemTable(randomRegions(random, random.nextInt(SetMemTable.MAX_REGIONS + 1)));
            case 5 -> new SetVringNum(random.nextInt(), random.nextInt());
            case 6 -> new SetVringAddr(new VringAddress(random.nextInt(), random.nextInt(2), random.nextLong(),
                    random.nextLong(), random.nextLong(), random.nextLong()));
            case 7 -> new SetVringBase(random.nextInt(), random.nextInt());
            case 8 -> new GetVringBase(random.nextInt(), random.nextInt());
            case 9 -> new SetVringKick(random.nextInt(256), random.nextBoolean());
            case 10 -> new SetVringCall(random.nextInt(256), random.nextBoolean());
            case 11 -> new SetVringErr(random.nextInt(256), random.nextBoolean());
            case 12 -> new GetProtocolFeatures();
            case 13 -> new SetProtocolFeatures(random.nextLong());
            case 14 -> new GetQueueNum();
            case 15 -> new SetVringEnable(random.nextInt(), random.nextBoolean());
            case 16 -> new GetConfig(randomConfig(random));
            case 17 -> new SetConfig(randomConfig(random));
            case 18 -> new ResetDevice();
            case 19 -> new GetMaxMemSlots();
            case 20 -> new AddMemReg(randomRegions(random, 1).getFirst());
            case 21 -> new RemMemReg(randomRegions(random, 1).getFirst());
            case 22 -> new SetStatus(random.nextInt(256));
            case 23 -> new GetStatus();
            case 24 -> new Unsupported(random.nextBoolean() ? 22 : 1000 + random.nextInt(1000), random.nextInt(100));
            case 25 -> new FrontEndMessage.Migration.SetLogBase(random.nextLong(), random.nextLong());
            case 26 -> new FrontEndMessage.Migration.SetLogFd(random.nextBoolean() ? 0 : 8);
            case 27 -> new FrontEndMessage.Migration.SetDeviceStateFd(random.nextInt(), random.nextInt());
            case 28 -> new FrontEndMessage.Migration.CheckDeviceState(random.nextBoolean() ? 0 : 8);
            default -> new SetVringEnable(random.nextInt(8), true);
        };
    }

    private static List<MemoryRegion> randomRegions(SplittableRandom random, int count) {
        List<MemoryRegion> regions = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long size = 1 + random.nextLong(1L << 40);
            regions.add(new MemoryRegion(random.nextLong(1L << 50), size, random.nextLong(1L << 50),
                    random.nextLong(1L << 40)));
        }
        return regions;
    }

    private static DeviceConfig randomConfig(SplittableRandom random) {
        byte[] bytes = new byte[random.nextInt(DeviceConfig.MAX_SIZE + 1)];
        random.nextBytes(bytes);
        return new DeviceConfig(random.nextInt(DeviceConfig.MAX_SIZE + 1), random.nextInt(2), bytes);
    }
}
