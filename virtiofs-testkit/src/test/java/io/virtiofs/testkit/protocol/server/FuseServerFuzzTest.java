package io.virtiofs.testkit.protocol.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Context;
import io.virtiofs.api.FileName;
import io.virtiofs.protocol.InitFlags;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.message.NameIn;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.protocol.server.Served;
import io.virtiofs.testkit.protocol.message.RandomMessages;
import io.virtiofs.testkit.support.ErrorLogWatch;
import io.virtiofs.testkit.support.FuzzBudget;
import io.virtiofs.testkit.wire.Requests;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link FuseServer} with what a driver can send, in both byte orders: well-formed requests
 * of every opcode with values at the edges (sizes near 2^31 and 2^32, offsets near 2^63, counts),
 * the same requests mutated (bytes flipped, 32-bit fields set to boundary values, cut short,
 * lengthened), and random bytes, each with a random amount of reply room (none, less than a
 * header, a header, up to 2 MiB). Sessions start, end and restart as INITs and DESTROYs come.
 *
 * <p>Properties: nothing escapes {@link FuseServer#handle}; every request gets exactly one
 * well-formed reply (a header whose length is what was written, an errno in 1..4095, the
 * request's {@code unique}) or none where the protocol says so (FORGET, BATCH_FORGET, most
 * INTERRUPTs, NOTIFY_REPLY); {@link Served#noRoom()} only when not even a header fits;
 * no ERROR line; memory bounded (the heap after the run, and netty's paranoid leak detection).
 * Time-bounded: {@link FuzzBudget}.
 */
@Timeout(900)
class FuseServerFuzzTest {

    private static final int[] ROOM = {0, 8, 15, 16, 17, 24, 40, 64, 100, 144, 160, 4096, 65536, 1 << 20, 2 << 20};
    private static final int[] EDGES = {0, 1, 7, 9, 16, 40, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0xffff_fffe,
            0x4000_0000, 0x0010_0000, 0x0100_0000, 65536, 4096};
    private static final EnumSet<Opcode> NO_REPLY = EnumSet.of(Opcode.FORGET, Opcode.BATCH_FORGET, Opcode.NOTIFY_REPLY,
            Opcode.INTERRUPT);

    /** TestFileSystem without its deliberate bug (ACCESS throws to test the EIO path). */
    private static final class Target extends TestFileSystem {
        @Override
        public void access(Context ctx, long nodeid, io.virtiofs.api.AccessMask mask) {
        }
    }

    @Test
    void whateverADriverSendsGetsOneWellFormedReplyAndNothingEscapes() {
        FuzzBudget budget = FuzzBudget.start("FuseServer", 15);
        SplittableRandom random = budget.random();
        RandomMessages messages = new RandomMessages(random);
        long heapBefore = usedHeap();
        long[] outcomes = new long[Served.Kind.values().length];
        long iteration = 0;
        try (ErrorLogWatch log = new ErrorLogWatch()) {
            ServerDriver[] drivers = new ServerDriver[2];
            for (WireOrder order : WireOrder.values()) {
                Target fs = new Target();
                fs.withFile("hello", 5, "hi");
                fs.xattrs.put("user.a", new byte[100]);
                drivers[order.ordinal()] = new ServerDriver(new FuseServer(fs, FuseServerConfig.defaults()), order);
                drivers[order.ordinal()].init().assertOk();
            }
            for (; budget.more(iteration); iteration++) {
                ServerDriver driver = drivers[random.nextInt(2)];
                if (driver.server.negotiation().isEmpty() && random.nextInt(4) != 0) {
                    driver.init(45, InitFlags.flags(ServerDriver.LINUX_OFFER));
                }
                Input input = input(random, messages, driver);
                int room = ROOM[random.nextInt(ROOM.length)];
                String hex = ByteBufUtil.hexDump(input.bytes);
                boolean beforeInit = driver.server.negotiation().isEmpty();
                ServerDriver.Reply reply;
                try {
                    reply = driver.sendRaw(Unpooled.wrappedBuffer(input.bytes), room);
                } catch (Throwable escaped) {
                    throw new AssertionError(budget.at(iteration, "escaped from handle: " + hex), escaped);
                }
                outcomes[reply.outcome().ordinal()]++;
                check(budget, iteration, input, room, reply, hex, beforeInit);
                if (!log.errors().isEmpty()) {
                    fail(budget.at(iteration, "ERROR logged for " + hex + ": " + log.errors()));
                }
            }
            // The server still serves.
            ServerDriver driver = drivers[0];
            if (driver.server.negotiation().isEmpty()) {
                driver.init().assertOk();
            }
            driver.send(FuseMessage.of(Opcode.LOOKUP, driver.nextUnique(), 1, new NameIn(FileName.of("hello")))).assertOk();
            assertEquals(List.of(), log.errors(), budget.at(iteration, "ERROR lines"));
        }
        long heapGrowth = usedHeap() - heapBefore;
        System.out.println("fuzz FuseServer: " + iteration + " inputs; outcomes " + java.util.Arrays.toString(outcomes)
                + "; heap growth " + (heapGrowth >> 20) + " MiB");
        assertTrue(iteration > 1000, budget.at(iteration, "too few inputs ran"));
        assertTrue(heapGrowth < 64 << 20, budget.at(iteration, "the heap grew by " + (heapGrowth >> 20) + " MiB"));
    }

    /** One request: its bytes, and what is known of it when it was made well-formed. */
    private record Input(byte[] bytes, Opcode opcode, long unique, boolean wellFormed) {
    }

    private static Input input(SplittableRandom random, RandomMessages messages, ServerDriver driver) {
        WireFormat format = driver.format();
        if (random.nextInt(20) == 0) {
            byte[] bytes = new byte[random.nextInt(0, 120)];
            random.nextBytes(bytes);
            return new Input(bytes, Opcode.INIT, 0, false);
        }
        Opcode[] opcodes = Opcode.values();
        Opcode opcode = opcodes[random.nextInt(opcodes.length)];
        if (opcode == Opcode.DESTROY && random.nextInt(10) != 0) {
            opcode = Opcode.GETATTR; // sessions last a while
        }
        long unique = driver.nextUnique();
        long nodeid = switch (random.nextInt(4)) {
            case 0 -> 1;
            case 1 -> 5;
            case 2 -> random.nextLong();
            default -> random.nextInt(10);
        };
        FuseMessage message;
        if (opcode == Opcode.INIT) {
            message = FuseMessage.of(opcode, unique, 0, new InitIn(7, EDGES[random.nextInt(EDGES.length)],
                    messages.anyInt(), random.nextLong()));
        } else {
            message = FuseMessage.of(opcode, unique, nodeid, messages.request(opcode, format));
        }
        if (random.nextInt(8) == 0) {
            message = message.withExtensions(messages.extensions());
        }
        ByteBuf encoded = Requests.encode(message, format);
        byte[] bytes = ByteBufUtil.getBytes(encoded);
        encoded.release();
        if (random.nextBoolean()) {
            return new Input(bytes, opcode, unique, true);
        }
        return new Input(mutate(random, bytes, format.order()), opcode, unique, false);
    }

    private static byte[] mutate(SplittableRandom random, byte[] bytes, WireOrder order) {
        byte[] out = bytes;
        for (int m = random.nextInt(1, 4); m > 0; m--) {
            switch (random.nextInt(5)) {
                case 0 -> {
                    if (out.length > 0) {
                        out[random.nextInt(out.length)] = (byte) random.nextInt(256);
                    }
                }
                case 1 -> {
                    if (out.length >= 4) {
                        int at = random.nextInt(out.length / 4) * 4;
                        ByteBuf view = Unpooled.wrappedBuffer(out);
                        order.setInt(view, at, EDGES[random.nextInt(EDGES.length)]);
                    }
                }
                case 2 -> out = java.util.Arrays.copyOf(out, random.nextInt(out.length + 1));
                case 3 -> {
                    byte[] longer = java.util.Arrays.copyOf(out, out.length + random.nextInt(1, 64));
                    if (longer.length >= 4 && random.nextBoolean()) {
                        order.setInt(Unpooled.wrappedBuffer(longer), 0, longer.length); // keep len consistent
                    }
                    out = longer;
                }
                default -> {
                    if (out.length >= 40) {
                        order.setInt(Unpooled.wrappedBuffer(out), 0, out.length); // a consistent len
                    }
                }
            }
        }
        return out;
    }

    private static void check(FuzzBudget budget, long iteration, Input input, int room, ServerDriver.Reply reply,
                              String hex, boolean beforeInit) {
        byte[] bytes = reply.bytes();
        String where = "request " + hex + " (" + input.opcode + (input.wellFormed ? ", well-formed" : "") + ") with "
                + room + " bytes of room";
        switch (reply.outcome()) {
            case NO_REPLY -> {
                assertEquals(0, bytes.length, budget.at(iteration, "NO_REPLY wrote bytes: " + where));
                if (input.wellFormed) {
                    assertTrue(NO_REPLY.contains(input.opcode), budget.at(iteration, "no reply to " + where));
                }
            }
            case NO_ROOM -> {
                assertEquals(0, bytes.length, budget.at(iteration, "NO_ROOM wrote bytes: " + where));
                assertTrue(room < OutHeader.SIZE, budget.at(iteration, "NO_ROOM though a header fits: " + where));
            }
            case REPLIED -> {
                assertTrue(bytes.length >= OutHeader.SIZE && bytes.length <= room,
                        budget.at(iteration, "a reply of " + bytes.length + " bytes: " + where));
                WireOrder order = reply.order();
                if (beforeInit && !input.wellFormed && bytes.length >= OutHeader.SIZE
                        && order.getInt(Unpooled.wrappedBuffer(bytes), 0) != bytes.length) {
                    // Before FUSE_INIT a mangled request may name neither order (no INIT opcode, a
                    // length field that reads true in both or neither): the server guesses, and
                    // the reply must then read right in the other order.
                    order = order == WireOrder.LITTLE_ENDIAN ? WireOrder.BIG_ENDIAN : WireOrder.LITTLE_ENDIAN;
                }
                OutHeader header = OutHeader.decode(Unpooled.wrappedBuffer(bytes), order);
                assertEquals(bytes.length, header.len(), budget.at(iteration, "reply length field: " + where));
                assertTrue(header.error() <= 0 && header.error() >= -4095,
                        budget.at(iteration, "errno " + header.error() + ": " + where));
                if (header.error() != 0) {
                    assertEquals(OutHeader.SIZE, bytes.length, budget.at(iteration, "an error reply with a body: " + where));
                }
                if (input.wellFormed) {
                    assertEquals(input.unique, header.unique(), budget.at(iteration, "the reply's unique: " + where));
                }
            }
        }
    }

    private static long usedHeap() {
        Runtime runtime = Runtime.getRuntime();
        System.gc();
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
