package io.virtiofs.examples.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.FileName;
import io.virtiofs.api.SetattrRequest;
import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.examples.memfs.MemFsConfig;
import io.virtiofs.protocol.InitFlag;
import io.virtiofs.protocol.InitFlags;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.*;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.testkit.mock.MockDriver;
import io.virtiofs.testkit.support.ErrorLogWatch;
import io.virtiofs.testkit.support.FuzzBudget;
import io.virtiofs.testkit.wire.Requests;
import io.virtiofs.transport.device.DeviceStatus;
import io.virtiofs.transport.device.VirtioFsDevice;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes a whole virtio-fs device serving memfs: FUSE requests of a guest (well-formed ones over
 * the names and nodes the session made, with sizes, offsets and flags at their edges, and the same
 * mutated byte by byte) carried in chains of random shapes (direct, indirect, scattered over
 * small segments) with random writable room, on the request queues and hiprio, both byte orders,
 * inline and on a request pool; and now and then a driver that breaks a ring.
 *
 * <p>Properties: every request a chain carries gets one used element whose bytes are a
 * well-formed reply (its length field equal to the used length, an errno in 1..4095); no request
 * whose chain offers room for a {@code fuse_out_header} resets the device; a ring the driver
 * breaks, and only that, sets DEVICE_NEEDS_RESET; no ERROR line; nothing hangs (the driver's 10 s
 * timeout); the heap stays bounded. Time-bounded: {@link FuzzBudget}.
 */
@Timeout(900)
class DeviceFuzzTest {

    private static final int[] ROOM = {16, 17, 40, 64, 100, 144, 160, 300, 4096, 65536, 1 << 20};
    private static final int[] EDGES = {0, 1, 16, 40, 4096, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x4000_0000,
            0x0010_0000};
    private static final String[] NAMES = {"a", "b", "dir", "f", "x".repeat(255), "..", "."};

    @Test
    void whateverAGuestSendsTheDeviceAnswersAndOnlyABrokenRingResetsIt() throws Exception {
        FuzzBudget budget = FuzzBudget.start("virtio-fs device with memfs", 20);
        SplittableRandom random = budget.random();
        long iteration = 0;
        long exchanges = 0;
        long resets = 0;
        long heapBefore = usedHeap();
        try (ErrorLogWatch log = new ErrorLogWatch()) {
            MemFs memfs = new MemFs(MemFsConfig.builder().capacityBytes(64 << 20).maxInodes(4096).build());
            FuseServer server = new FuseServer(memfs, FuseServerConfig.defaults());
            while (budget.more(iteration)) {
                WireOrder order = random.nextBoolean() ? WireOrder.LITTLE_ENDIAN : WireOrder.BIG_ENDIAN;
                WireFormat format = WireFormat.current(order);
                MockDriver.Options options = MockDriver.Options.defaults().withBuffers(1 << 20, (1 << 20) + 64)
                        .withSlots(4).withIndirect(random.nextBoolean()).withScatter(random.nextBoolean())
                        .withQueueSize(256).withSegments(random.nextBoolean() ? 0 : 1 << random.nextInt(14, 17));
                try (VirtioFsDevice device = VirtioFsDevice.builder("fuzz").requestQueues(2)
                        .requestThreads(random.nextBoolean() ? 0 : 2, 16).build(server);
                     MockDriver driver = MockDriver.connect(device, options)) {
                    Guest guest = new Guest(random, format);
                    reply(driver, 1, guest.init(), 4096);
                    boolean broke = false;
                    for (int step = 0; step < 2000 && budget.more(iteration); step++, iteration++) {
                        if (random.nextInt(1500) == 0) {
                            driver.queue(2).offerRawHead(0xffff); // a head beyond the table: a ring fault
                            driver.queue(2).publish();
                            driver.kick(2).kick();
                            awaitNeedsReset(device, budget, iteration);
                            broke = true;
                            break;
                        }
                        int queue = random.nextInt(8) == 0 ? 0 : random.nextInt(1, 3);
                        byte[] request = guest.next();
                        int room = ROOM[random.nextInt(ROOM.length)];
                        ByteBuf reply;
                        try {
                            reply = driver.exchange(queue, Unpooled.wrappedBuffer(request), room);
                        } catch (Exception | AssertionError e) {
                            throw new AssertionError(budget.at(iteration, "no reply to " + ByteBufUtil.hexDump(request)
                                    + " on queue " + queue + " with room " + room + "; device " + device), e);
                        }
                        exchanges++;
                        check(budget, iteration, order, request, room, reply);
                        guest.learn(request, reply);
                        assertFalse(device.status().has(DeviceStatus.DEVICE_NEEDS_RESET), budget.at(iteration,
                                "a request reset the device: " + ByteBufUtil.hexDump(request) + ", room " + room));
                        if (!log.errors().isEmpty()) {
                            throw new AssertionError(budget.at(iteration, "ERROR logged for "
                                    + ByteBufUtil.hexDump(request) + ": " + log.errors()));
                        }
                    }
                    if (broke) {
                        resets++;
                        assertTrue(device.queueFault(2).isPresent() && device.queueFault(1).isEmpty(),
                                budget.at(iteration, "only the broken ring faulted"));
                    }
                }
            }
            assertEquals(List.of(), log.errors(), budget.at(iteration, "ERROR lines"));
        }
        long heapGrowth = usedHeap() - heapBefore;
        System.out.println("fuzz virtio-fs device: " + iteration + " requests, " + exchanges + " answered, " + resets
                + " broken rings; heap growth " + (heapGrowth >> 20) + " MiB");
        assertTrue(exchanges > 1000, budget.at(iteration, "too few requests: " + exchanges));
        assertTrue(heapGrowth < 128 << 20, budget.at(iteration, "the heap grew by " + (heapGrowth >> 20) + " MiB"));
    }

    private static void reply(MockDriver driver, int queue, byte[] request, int room) throws Exception {
        driver.exchange(queue, Unpooled.wrappedBuffer(request), room);
    }

    private static void awaitNeedsReset(VirtioFsDevice device, FuzzBudget budget, long iteration) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!device.status().has(DeviceStatus.DEVICE_NEEDS_RESET)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(budget.at(iteration, "a broken ring did not set DEVICE_NEEDS_RESET"));
            }
            Thread.sleep(1);
        }
    }

    private static void check(FuzzBudget budget, long iteration, WireOrder order, byte[] request, int room, ByteBuf reply) {
        int used = reply.readableBytes();
        String where = ByteBufUtil.hexDump(request) + " with room " + room;
        if (used == 0) {
            return; // FORGET, BATCH_FORGET, INTERRUPT, NOTIFY_REPLY (or a request whose opcode mutated into one)
        }
        assertTrue(used >= OutHeader.SIZE && used <= room, budget.at(iteration, "used " + used + ": " + where));
        OutHeader header = OutHeader.decode(reply.duplicate(), order);
        boolean otherOrder = header.len() != used;
        if (otherOrder) {
            header = OutHeader.decode(reply.duplicate(), order == WireOrder.LITTLE_ENDIAN ? WireOrder.BIG_ENDIAN
                    : WireOrder.LITTLE_ENDIAN); // a mutated opcode can make the request look like the other order
        }
        assertEquals(used, header.len(), budget.at(iteration, "reply length field: " + where));
        assertTrue(header.error() <= 0 && header.error() >= -4095, budget.at(iteration, "errno: " + where));
    }

    private static long usedHeap() {
        Runtime runtime = Runtime.getRuntime();
        System.gc();
        return runtime.totalMemory() - runtime.freeMemory();
    }

    /** The guest: requests over what its session made, well-formed or mutated. */
    private static final class Guest {
        private final SplittableRandom random;
        private final WireFormat format;
        private final List<Long> nodes = new ArrayList<>(List.of(1L));
        private final List<Long> handles = new ArrayList<>(List.of(0L));
        private long unique = 2;

        Guest(SplittableRandom random, WireFormat format) {
            this.random = random;
            this.format = format;
        }

        byte[] init() {
            return encode(FuseMessage.of(Opcode.INIT, unique += 2, 0, new InitIn(7, 45, 1 << 20,
                    InitFlags.flags(EnumSet.complementOf(EnumSet.of(InitFlag.FILE_OPS, InitFlag.INIT_RESERVED,
                            InitFlag.OVER_IO_URING))))));
        }

        private byte[] encode(FuseMessage message) {
            ByteBuf encoded = Requests.encode(message, format);
            try {
                return ByteBufUtil.getBytes(encoded);
            } finally {
                encoded.release();
            }
        }

        private long node() {
            return random.nextInt(20) == 0 ? random.nextLong() : nodes.get(random.nextInt(nodes.size()));
        }

        private long fh() {
            return random.nextInt(20) == 0 ? random.nextLong() : handles.get(random.nextInt(handles.size()));
        }

        private int edge() {
            return random.nextBoolean() ? EDGES[random.nextInt(EDGES.length)] : random.nextInt(0, 70000);
        }

        private long offset() {
            return switch (random.nextInt(5)) {
                case 0 -> -1;
                case 1 -> Long.MAX_VALUE - random.nextInt(10);
                case 2 -> 1L << 40;
                default -> random.nextInt(0, 200_000);
            };
        }

        private FileName name() {
            String name = NAMES[random.nextInt(NAMES.length)];
            return name.equals(".") || name.equals("..") ? FileName.of("n" + random.nextInt(5)) : FileName.of(name);
        }

        byte[] next() {
            FuseMessage message;
            try {
                message = message();
            } catch (IllegalArgumentException recordRefused) {
                message = FuseMessage.of(Opcode.GETATTR, unique += 2, 1, new GetattrIn(0, 0)); // the records check too
            }
            byte[] bytes = encode(message);
            return random.nextInt(3) == 0 ? mutate(bytes) : bytes;
        }

        private FuseMessage message() {
            long node = node();
            byte[] data = new byte[random.nextInt(4) == 0 ? random.nextInt(0, 70000) : random.nextInt(0, 64)];
            random.nextBytes(data);
            FuseRequest body = switch (random.nextInt(24)) {
                case 0 -> new NameIn(name());
                case 1 -> new CreateIn(random.nextInt(4) | (random.nextBoolean() ? 01000 : 0), 0100000 | random.nextInt(07777),
                        022, 0, name());
                case 2 -> new MkdirIn(random.nextInt(07777), 022, name());
                case 3 -> new WriteIn(fh(), offset(), data.length, 0, 0, 0, Unpooled.wrappedBuffer(data));
                case 4 -> new ReadIn(fh(), offset(), edge(), 0, 0, 0);
                case 5 -> new ReadIn(fh(), offset(), edge(), 0, 0, 0); // READDIR(PLUS) below
                case 6 -> new OpenIn(random.nextInt(4), 0);
                case 7 -> new SetattrIn(new SetattrRequest(random.nextInt(1 << 10), fh(), offset(), offset(), offset(),
                        random.nextInt(), offset(), random.nextInt(), offset(), random.nextInt(), random.nextInt(),
                        random.nextInt(), random.nextInt()));
                case 8 -> new GetxattrIn(edge(), "user.a");
                case 9 -> {
                    byte[] value = java.util.Arrays.copyOf(data, Math.min(data.length, 65536));
                    yield new SetxattrIn(value.length, random.nextInt(3), 0, "user.a", value);
                }
                case 10 -> new ListxattrIn(edge());
                case 11 -> new FallocateIn(fh(), offset(), offset(), random.nextInt(0x80));
                case 12 -> new LseekIn(fh(), offset(), random.nextInt(6));
                case 13 -> new IoctlIn(fh(), 0, random.nextInt(), 0, 0, edge(), Unpooled.EMPTY_BUFFER);
                case 14 -> new CopyFileRangeIn(fh(), offset(), node(), fh(), offset(), offset() & Long.MAX_VALUE, 0);
                case 15 -> new RenameIn(node(), name(), name());
                case 16 -> new LinkIn(node(), name());
                case 17 -> new SymlinkIn(name(), io.virtiofs.api.SymlinkTarget.of("t".repeat(random.nextInt(1, 300))));
                case 18 -> new ReleaseIn(fh(), 0, 0, 0);
                case 19 -> new ForgetIn(random.nextInt(3));
                case 20 -> new GetattrIn(0, 0);
                case 21 -> new MknodIn(random.nextInt(), random.nextInt(), 022, name());
                case 22 -> {
                    long start = random.nextInt(0, 1 << 20);
                    yield new LkIn(fh(), random.nextLong(), new io.virtiofs.api.FileLock(start,
                            random.nextBoolean() ? Long.MAX_VALUE : start + random.nextInt(0, 4096), random.nextInt(3),
                            random.nextInt(1, 1000)), 0);
                }
                default -> new InterruptIn(unique - random.nextInt(4));
            };
            Opcode opcode = switch (body) {
                case NameIn n -> random.nextBoolean() ? Opcode.LOOKUP : random.nextBoolean() ? Opcode.UNLINK : Opcode.RMDIR;
                case CreateIn c -> Opcode.CREATE;
                case MkdirIn m -> Opcode.MKDIR;
                case WriteIn w -> Opcode.WRITE;
                case ReadIn r -> switch (random.nextInt(3)) {
                    case 0 -> Opcode.READ;
                    case 1 -> Opcode.READDIR;
                    default -> Opcode.READDIRPLUS;
                };
                case OpenIn o -> random.nextBoolean() ? Opcode.OPEN : Opcode.OPENDIR;
                case SetattrIn s -> Opcode.SETATTR;
                case GetxattrIn g -> Opcode.GETXATTR;
                case SetxattrIn s -> Opcode.SETXATTR;
                case ListxattrIn l -> Opcode.LISTXATTR;
                case FallocateIn f -> Opcode.FALLOCATE;
                case LseekIn l -> Opcode.LSEEK;
                case IoctlIn i -> Opcode.IOCTL;
                case CopyFileRangeIn c -> random.nextBoolean() ? Opcode.COPY_FILE_RANGE : Opcode.COPY_FILE_RANGE_64;
                case RenameIn r -> Opcode.RENAME;
                case LinkIn l -> Opcode.LINK;
                case SymlinkIn s -> Opcode.SYMLINK;
                case ReleaseIn r -> random.nextBoolean() ? Opcode.RELEASE : Opcode.RELEASEDIR;
                case ForgetIn f -> Opcode.FORGET;
                case MknodIn m -> Opcode.MKNOD;
                case LkIn l -> random.nextBoolean() ? Opcode.GETLK : Opcode.SETLK;
                case InterruptIn i -> Opcode.INTERRUPT;
                default -> Opcode.GETATTR;
            };
            return FuseMessage.of(opcode, unique += 2, node, body);
        }

        private byte[] mutate(byte[] bytes) {
            byte[] out = bytes.clone();
            ByteBuf view = Unpooled.wrappedBuffer(out);
            for (int m = random.nextInt(1, 4); m > 0; m--) {
                if (out.length < 4) {
                    break;
                }
                if (random.nextBoolean()) {
                    out[random.nextInt(out.length)] = (byte) random.nextInt(256);
                } else {
                    format.order().setInt(view, random.nextInt(out.length / 4) * 4, EDGES[random.nextInt(EDGES.length)]);
                }
            }
            if (random.nextBoolean() && out.length >= 40) {
                format.order().setInt(view, 0, out.length); // keep the length consistent, so bodies decode
            }
            if (out.length >= 8 && random.nextInt(10) != 0) {
                // Keep the opcode mostly: a request the session knows, reaching its handler.
                format.order().setInt(view, 4, format.order().getInt(Unpooled.wrappedBuffer(bytes), 4));
            }
            return out;
        }

        /** Remembers the nodes and handles the replies hand out. */
        void learn(byte[] request, ByteBuf reply) {
            if (reply.readableBytes() < OutHeader.SIZE) {
                return;
            }
            ByteBuf copy = reply.duplicate();
            OutHeader header = OutHeader.decode(copy, format.order());
            if (header.error() != 0 || request.length < 8) {
                return;
            }
            int opcode = format.order().getInt(Unpooled.wrappedBuffer(request), 4);
            try {
                if ((opcode == Opcode.LOOKUP.code() || opcode == Opcode.MKDIR.code()) && copy.readableBytes() >= 8) {
                    nodes.add(format.order().getLong(copy, copy.readerIndex()));
                } else if (opcode == Opcode.CREATE.code() && copy.readableBytes() >= EntryOut.size(format) + 8) {
                    nodes.add(format.order().getLong(copy, copy.readerIndex()));
                    handles.add(format.order().getLong(copy, copy.readerIndex() + EntryOut.size(format)));
                } else if ((opcode == Opcode.OPEN.code() || opcode == Opcode.OPENDIR.code()) && copy.readableBytes() >= 8) {
                    handles.add(format.order().getLong(copy, copy.readerIndex()));
                }
            } catch (IndexOutOfBoundsException e) {
                // a mutated request's reply: nothing to learn
            }
        }
    }
}
