package io.virtiofs.examples.migration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.FileLock;
import io.virtiofs.api.FileName;
import io.virtiofs.api.SymlinkTarget;
import io.virtiofs.examples.hello.HelloFs;
import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.examples.memfs.MemFsConfig;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.CreateIn;
import io.virtiofs.protocol.message.EmptyIn;
import io.virtiofs.protocol.message.ForgetIn;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.FuseRequest;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.message.LkIn;
import io.virtiofs.protocol.message.MkdirIn;
import io.virtiofs.protocol.message.NameIn;
import io.virtiofs.protocol.message.OpenIn;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.protocol.message.RenameIn;
import io.virtiofs.protocol.message.SetxattrIn;
import io.virtiofs.protocol.message.SymlinkIn;
import io.virtiofs.protocol.message.WriteIn;
import io.virtiofs.protocol.migration.StateFormatException;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.testkit.wire.Replies;
import io.virtiofs.testkit.wire.Requests;
import io.virtiofs.testkit.support.Seeds;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A FUSE session over memfs, saved and loaded into a fresh server: the destination answers every
 * question exactly as the source does (byte for byte), with the same nodeids, handles, lookup
 * counts, locks and content; broken streams are refused and leave the destination fresh.
 */
class SessionMigrationTest {

    private static final InstantSource CLOCK = InstantSource.fixed(Instant.parse("2026-12-07T20:00:00.123456789Z"));

    /** One side: a server over a memfs, and a request counter. */
    private static final class Side {
        final MemFs fs = new MemFs(MemFsConfig.builder().clock(CLOCK).build());
        final FuseServer server = new FuseServer(fs, FuseServerConfig.defaults());
        long unique = 100;

        Reply send(WireFormat format, Opcode opcode, long nodeid, FuseRequest body) {
            ByteBuf request = Requests.encode(FuseMessage.of(opcode, unique++, nodeid, body), format);
            ByteBuf reply = Unpooled.buffer();
            server.handle(request, reply, io.virtiofs.protocol.server.Completion.SYNCHRONOUS);
            if (reply.readableBytes() == 0) {
                return new Reply(0, Unpooled.EMPTY_BUFFER);
            }
            OutHeader header = OutHeader.decode(reply, format.order());
            return new Reply(header.error(), reply);
        }
    }

    private record Reply(int error, ByteBuf body) {
        byte[] bytes() {
            return ByteBufUtil.getBytes(body);
        }
    }

    /** What a random session left: nodes, directories, open handles. */
    private record Made(List<Long> nodes, List<Long> dirs, List<long[]> open, List<String> names) {
    }

    @Test
    void aMigratedSessionAnswersAsTheSourceDoes() {
        Seeds.forEach(25, random -> {
            WireOrder order = random.nextBoolean() ? WireOrder.LITTLE_ENDIAN : WireOrder.BIG_ENDIAN;
            WireFormat format = WireFormat.current(order);
            Side source = new Side();
            int minor = new int[] {31, 36, 41, 45}[random.nextInt(4)];
            long flags = random.nextLong() & 0x3_ffff_ffffL;
            assertEquals(0, source.send(format, Opcode.INIT, 0, new InitIn(7, minor, 131072, flags)).error());
            WireFormat session = new WireFormat(order, source.server.negotiation().orElseThrow().version().minor(),
                    source.server.negotiation().orElseThrow().accepts(io.virtiofs.protocol.InitFlag.SETXATTR_EXT));
            Made made = randomSession(source, session, random);
            byte[] state = save(source);
            // Saving changes nothing: a second save gives the same bytes.
            assertArrayEquals(state, save(source));

            Side destination = new Side();
            destination.unique = source.unique;
            destination.server.loadState(Channels.newChannel(new ByteArrayInputStream(state)));
            assertEquals(source.server.negotiation(), destination.server.negotiation());
            // The source keeps serving after a save: both answer alike from here on.
            sameAnswers(source, destination, session, made);
        });
    }

    private static Made randomSession(Side side, WireFormat format, SplittableRandom random) {
        List<Long> nodes = new ArrayList<>(List.of(1L));
        List<Long> dirs = new ArrayList<>(List.of(1L));
        List<long[]> open = new ArrayList<>();
        List<String> names = new ArrayList<>();
        int steps = 20 + random.nextInt(80);
        for (int step = 0; step < steps; step++) {
            long dir = dirs.get(random.nextInt(dirs.size()));
            String name = "n" + random.nextInt(40);
            switch (random.nextInt(9)) {
                case 0 -> {
                    Reply r = side.send(format, Opcode.MKDIR, dir, new MkdirIn(0755, 0, FileName.of(name)));
                    if (r.error() == 0) {
                        long id = Replies.entryOut(r.body(), format).nodeid();
                        nodes.add(id);
                        dirs.add(id);
                        names.add(dir + "/" + name);
                    }
                }
                case 1, 2 -> {
                    Reply r = side.send(format, Opcode.CREATE, dir, new CreateIn(02, 0644, 0, 0, FileName.of(name)));
                    if (r.error() == 0) {
                        var created = Replies.createOut(r.body(), format);
                        long id = created.entry().nodeid();
                        nodes.add(id);
                        names.add(dir + "/" + name);
                        open.add(new long[] {id, created.open().fh()});
                        byte[] data = new byte[1 + random.nextInt(random.nextBoolean() ? 300_000 : 5000)];
                        random.nextBytes(data);
                        long offset = random.nextBoolean() ? 0 : random.nextLong(3_000_000);
                        side.send(format, Opcode.WRITE, id, new WriteIn(created.open().fh(), offset, data.length, 0, 0, 0,
                                Unpooled.wrappedBuffer(data)));
                    }
                }
                case 3 -> {
                    Reply r = side.send(format, Opcode.SYMLINK, dir, new SymlinkIn(FileName.of(name),
                            SymlinkTarget.of("target-" + random.nextInt(100))));
                    if (r.error() == 0) {
                        nodes.add(Replies.entryOut(r.body(), format).nodeid());
                        names.add(dir + "/" + name);
                    }
                }
                case 4 -> side.send(format, Opcode.LOOKUP, dir, new NameIn(FileName.of(name)));
                case 5 -> side.send(format, Opcode.FORGET, nodes.get(random.nextInt(nodes.size())),
                        new ForgetIn(1 + random.nextInt(2)));
                case 6 -> side.send(format, Opcode.UNLINK, dir, new NameIn(FileName.of(name)));
                case 7 -> side.send(format, Opcode.RENAME, dir, new RenameIn(dirs.get(random.nextInt(dirs.size())),
                        FileName.of(name), FileName.of("r" + random.nextInt(40))));
                default -> {
                    if (!open.isEmpty()) {
                        long[] handle = open.get(random.nextInt(open.size()));
                        int type = random.nextBoolean() ? FileLock.F_RDLCK : FileLock.F_WRLCK;
                        side.send(format, Opcode.SETLK, handle[0], new LkIn(handle[1], 7 + random.nextInt(3),
                                new FileLock(0, Long.MAX_VALUE, type, 0), LkIn.FLOCK));
                        side.send(format, Opcode.SETXATTR, handle[0], new SetxattrIn(3, 0, 0, "user.k" + random.nextInt(3),
                                new byte[] {1, 2, 3}));
                    }
                }
            }
        }
        return new Made(nodes, dirs, open, names);
    }

    /** Both sides answer the same questions with the same bytes, in turns. */
    private static void sameAnswers(Side a, Side b, WireFormat format, Made made) {
        for (long node : made.nodes()) {
            assertEquals(a.server.lookupCount(node), b.server.lookupCount(node), "lookups of node " + node);
            same(a, b, format, Opcode.GETATTR, node, new GetattrIn(0, 0));
        }
        for (long[] handle : made.open()) {
            same(a, b, format, Opcode.READ, handle[0], new ReadIn(handle[1], 0, 1 << 20, 0, 0, 0));
            same(a, b, format, Opcode.READ, handle[0], new ReadIn(handle[1], 2_900_000, 1 << 19, 0, 0, 0));
            same(a, b, format, Opcode.GETLK, handle[0], new LkIn(handle[1], 99,
                    new FileLock(0, Long.MAX_VALUE, FileLock.F_WRLCK, 0), LkIn.FLOCK));
            same(a, b, format, Opcode.LISTXATTR, handle[0], new io.virtiofs.protocol.message.ListxattrIn(4096));
        }
        for (long dir : made.dirs()) {
            Reply opened = same(a, b, format, Opcode.OPENDIR, dir, new OpenIn(0, 0));
            if (opened.error() == 0) {
                long fh = Replies.openOut(opened.body(), format).fh();
                same(a, b, format, Opcode.READDIRPLUS, dir, new ReadIn(fh, 0, 65536, 0, 0, 0));
                same(a, b, format, Opcode.READDIR, dir, new ReadIn(fh, 4, 65536, 0, 0, 0));
                same(a, b, format, Opcode.RELEASEDIR, dir, new io.virtiofs.protocol.message.ReleaseIn(fh, 0, 0, 0));
            }
        }
        // New nodes and handles continue from the same numbers.
        same(a, b, format, Opcode.CREATE, 1, new CreateIn(02, 0644, 0, 0, FileName.of("after-migration")));
        same(a, b, format, Opcode.STATFS, 1, EmptyIn.INSTANCE);
    }

    private static Reply same(Side a, Side b, WireFormat format, Opcode opcode, long nodeid, FuseRequest body) {
        Reply ra = a.send(format, opcode, nodeid, body);
        Reply rb = b.send(format, opcode, nodeid, body);
        assertArrayEquals(ra.bytes(), rb.bytes(), opcode + " of node " + nodeid);
        return ra;
    }

    private static byte[] save(Side side) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            side.server.saveState(Channels.newChannel(out));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }

    /** A state to break: a session with a few files. */
    private static byte[] sampleState(SplittableRandom random) {
        Side source = new Side();
        WireFormat format = WireFormat.current(WireOrder.LITTLE_ENDIAN);
        source.send(format, Opcode.INIT, 0, new InitIn(7, 45, 131072, 0));
        randomSession(source, format, random);
        return save(source);
    }

    @Test
    void truncatedOrCorruptedStreamsAreRefusedAndTheDestinationStaysFresh() {
        Seeds.forEach(10, random -> {
            byte[] state = sampleState(random);
            Side destination = new Side();
            for (int i = 0; i < 20; i++) {
                byte[] broken;
                if (random.nextBoolean()) {
                    broken = java.util.Arrays.copyOf(state, random.nextInt(state.length));
                } else {
                    broken = state.clone();
                    int at = random.nextInt(broken.length);
                    broken[at] ^= (byte) (1 + random.nextInt(255));
                }
                StateFormatException refused = assertThrows(StateFormatException.class,
                        () -> destination.server.loadState(Channels.newChannel(new ByteArrayInputStream(broken))));
                assertTrue(!refused.getMessage().isBlank());
                assertTrue(destination.server.negotiation().isEmpty(), "no session after a refused state");
            }
            // Nothing of the refused streams stayed: the whole state still loads.
            destination.server.loadState(Channels.newChannel(new ByteArrayInputStream(state)));
        });
    }

    @Test
    void aNewerVersionIsRefusedNamingIt() throws IOException {
        byte[] state = sampleState(new SplittableRandom(1));
        state[11] = 2; // the version's low byte, after the 8-byte magic
        StateFormatException refused = assertThrows(StateFormatException.class,
                () -> new Side().server.loadState(Channels.newChannel(new ByteArrayInputStream(state))));
        assertTrue(refused.getMessage().contains("version 2 is newer"), refused.getMessage());
        byte[] notState = "something else entirely".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertTrue(assertThrows(StateFormatException.class,
                () -> new Side().server.loadState(Channels.newChannel(new ByteArrayInputStream(notState))))
                .getMessage().contains("not a virtiofs-java device state"));
    }

    @Test
    void aDestinationThatServedASessionRefuses() {
        byte[] state = sampleState(new SplittableRandom(2));
        Side used = new Side();
        used.send(WireFormat.current(WireOrder.LITTLE_ENDIAN), Opcode.INIT, 0, new InitIn(7, 45, 131072, 0));
        assertThrows(StateFormatException.class,
                () -> used.server.loadState(Channels.newChannel(new ByteArrayInputStream(state))));
    }

    @Test
    void aFileSystemThatDidNotOptInCannotMigrate() {
        FuseServer server = new FuseServer(new HelloFs(), FuseServerConfig.defaults());
        assertTrue(server.migrationBlocker().orElseThrow().contains("does not implement Migratable"));
        assertThrows(IOException.class, () -> server.saveState(Channels.newChannel(new ByteArrayOutputStream())));
        assertTrue(new FuseServer(new MemFs(), FuseServerConfig.defaults()).migrationBlocker().isEmpty());
    }
}
