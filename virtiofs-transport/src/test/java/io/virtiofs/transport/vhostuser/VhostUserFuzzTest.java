package io.virtiofs.transport.vhostuser;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.transport.internal.nativeio.EventFdCalls;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.MemoryCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.SocketCalls;
import io.virtiofs.transport.vhostuser.FrontEndMessage.AddMemReg;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetMemTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the vhost-user back-end's message handling with what a front-end can send over its
 * socket, in process: plausible requests with small, sometimes wrong values (memory tables over
 * the test's RAM, ring sizes, bases, addresses, kicks that are then kicked), random requests of
 * every type, and random bytes with random headers; each carrying descriptors of random kinds
 * (eventfds blocking and not, memfds that can and cannot be sealed, a regular file, a directory,
 * a socket). Rings that start serve a FUSE echo handler, whose chains the front-end may have
 * placed anywhere.
 *
 * <p>Properties: the back-end answers or ends the connection, and accepts the next one; no thread
 * dies of an uncaught exception; no ERROR line; every descriptor it received is closed once the
 * connection ends; nothing hangs (the method's timeout); afterwards a regular handshake and
 * request still work. Time-bounded: {@link FuzzBudget}.
 */
@Timeout(900)
class VhostUserFuzzTest {

    @Test
    void whateverAFrontEndSendsTheBackEndAnswersOrDisconnectsAndLivesOn() throws Exception {
        FuzzBudget budget = FuzzBudget.start("vhost-user", 15);
        SplittableRandom random = budget.random();
        List<Throwable> uncaught = new CopyOnWriteArrayList<>();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> uncaught.add(e));
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "vhostuser-fuzz-");
        Path socket = dir.resolve("vfs.sock");
        Set<Integer> fdsBefore = OpenFds.now();
        long iteration = 0;
        long answered = 0;
        long reconnects = 0;
        try (ErrorLogWatch log = new ErrorLogWatch()) {
            VhostUserBackend backend = VhostUserBackend.builder().socketPath(socket).tag("fuzz").requestQueues(2)
                    .queueSize(256).handlerFactory(config -> new EchoHandler()).build();
            backend.start();
            List<Integer> kinds = new ArrayList<>();
            GuestRam ram = new GuestRam("vu-fuzz", 0x1000_0000L, 1 << 20);
            try {
                kinds.addAll(descriptorsOfEveryKind(dir));
                TestFrontEnd front = TestFrontEnd.connect(socket, ram);
                try {
                    for (; budget.more(iteration); iteration++) {
                        int[] fds = pick(random, kinds, ram);
                        try {
                            if (random.nextInt(6) == 0) {
                                front.channel.sendRaw(MessageCodecTest.randomWire(random), fds);
                                front.close();
                                front = TestFrontEnd.connect(socket, ram);
                                reconnects++;
                                continue;
                            }
                            FrontEndMessage message = random.nextBoolean() ? plausible(random, ram)
                                    : MessageCodecTest.randomMessage(random);
                            if (message instanceof SetMemTable || message instanceof AddMemReg) {
                                fds = new int[Math.min(message.expectedFds(), MessageCodec.MAX_FDS)];
                                for (int f = 0; f < fds.length; f++) {
                                    fds[f] = random.nextInt(4) == 0 ? kinds.get(random.nextInt(kinds.size())) : ram.fd;
                                }
                            }
                            front.channel.send(message, true, fds);
                            front.channel.receiveReply();
                            answered++;
                            if (message instanceof FrontEndMessage.SetVringKick && random.nextBoolean()) {
                                kickAll(kinds);
                            }
                        } catch (VhostUserProtocolException | NativeException e) {
                            front.close(); // the back-end ended the connection: connect again
                            front = TestFrontEnd.connect(socket, ram);
                            reconnects++;
                        }
                        if (!log.errors().isEmpty()) {
                            throw new AssertionError(budget.at(iteration, "ERROR logged: " + log.errors()));
                        }
                    }
                } finally {
                    front.close();
                }
                // A regular front-end is still served.
                try (GuestRam fresh = new GuestRam("vu-fuzz-after", 0x1000_0000L, 1 << 20);
                     TestFrontEnd regular = TestFrontEnd.connect(socket, fresh)) {
                    regular.handshake(3, 64, random.nextBoolean());
                    byte[] body = {1, 2, 3};
                    assertArrayEquals(VhostUserBackendTest.echoReply(77, body), regular.exchange(1, 15, 77, body),
                            budget.at(iteration, "the back-end still serves"));
                }
                assertTrue(backend.awaitSessionsEnded((int) reconnects + 2, java.time.Duration.ofSeconds(30)),
                        budget.at(iteration, "connections did not end"));
            } finally {
                backend.close();
                ram.close();
                for (int fd : kinds) {
                    FileCalls.close(fd);
                }
            }
            assertEquals(List.of(), log.errors(), budget.at(iteration, "ERROR lines"));
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
        assertEquals(List.of(), uncaught, budget.at(iteration, "a thread died of an uncaught exception"));
        Set<Integer> leaked = new HashSet<>(OpenFds.now());
        leaked.removeAll(fdsBefore);
        assertEquals(Set.of(), leaked, budget.at(iteration, "descriptors left open: " + OpenFds.describe(leaked)));
        System.out.println("fuzz vhost-user: " + iteration + " messages, " + answered + " answered, " + reconnects
                + " connections ended");
        assertTrue(answered > 100, budget.at(iteration, "too few messages were answered: " + answered));
    }

    /** One descriptor of every kind a front-end might send, made by the test (and closed by it). */
    private static List<Integer> descriptorsOfEveryKind(Path dir) throws IOException, NativeException {
        List<Integer> fds = new ArrayList<>();
        fds.add(EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC | EventFdCalls.EFD_NONBLOCK));
        fds.add(EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC));
        fds.add(EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC | EventFdCalls.EFD_SEMAPHORE));
        int sealable = MemoryCalls.memfdCreate("fuzz-sealable", MemoryCalls.MFD_CLOEXEC | MemoryCalls.MFD_ALLOW_SEALING);
        MemoryCalls.ftruncate(sealable, 1 << 20);
        fds.add(sealable);
        int unsealable = MemoryCalls.memfdCreate("fuzz-unsealable", MemoryCalls.MFD_CLOEXEC);
        MemoryCalls.ftruncate(unsealable, 1 << 20);
        fds.add(unsealable);
        Path file = Files.write(dir.resolve("plain"), new byte[8192]);
        fds.add(FileCalls.open(file.toString(), FileCalls.O_RDWR | FileCalls.O_CLOEXEC, 0));
        fds.add(FileCalls.open(dir.toString(), FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, 0));
        fds.add(SocketCalls.socket(SocketCalls.AF_UNIX, SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC));
        return fds;
    }

    private static int[] pick(SplittableRandom random, List<Integer> kinds, GuestRam ram) {
        int count = random.nextInt(3) == 0 ? 0 : random.nextInt(1, 3);
        int[] fds = new int[count];
        for (int i = 0; i < count; i++) {
            fds[i] = random.nextInt(5) == 0 ? ram.fd : kinds.get(random.nextInt(kinds.size()));
        }
        return fds;
    }

    /** Kicks every eventfd the test holds, so started rings read whatever their memory holds. */
    private static void kickAll(List<Integer> kinds) {
        for (int fd : kinds.subList(0, 3)) {
            try {
                EventFdCalls.write(fd, 1);
            } catch (NativeException e) {
                // a full counter
            }
        }
    }

    /** Mostly well-formed requests with small, sometimes wrong, values. */
    private static FrontEndMessage plausible(SplittableRandom random, GuestRam ram) {
        int ring = random.nextInt(4);
        long base = ram.guestBase;
        return switch (random.nextInt(16)) {
            case 0 -> new SetMemTable(List.of(region(random, ram)));
            case 1 -> new AddMemReg(region(random, ram));
            case 2 -> new FrontEndMessage.RemMemReg(region(random, ram));
            case 3, 4 -> new FrontEndMessage.SetVringAddr(new VringAddress(ring, 0,
                    ram.user(base + 4096L * random.nextInt(256)), ram.user(base + 4096L * random.nextInt(256)),
                    ram.user(base + 4096L * random.nextInt(256)), 0));
            case 5 -> new FrontEndMessage.SetVringNum(ring, 1 << random.nextInt(10));
            case 6 -> new FrontEndMessage.SetVringBase(ring, random.nextInt(70000));
            case 7 -> new FrontEndMessage.GetVringBase(ring, 0);
            case 8 -> new FrontEndMessage.SetVringKick(ring, random.nextInt(8) == 0);
            case 9 -> new FrontEndMessage.SetVringCall(ring, random.nextBoolean());
            case 10 -> new FrontEndMessage.SetVringErr(ring, random.nextBoolean());
            case 11 -> new FrontEndMessage.SetVringEnable(ring, random.nextBoolean());
            case 12 -> new FrontEndMessage.SetFeatures(random.nextBoolean() ? (1L << 32) | (1L << 30) | (3L << 28)
                    : random.nextLong());
            case 13 -> new FrontEndMessage.SetStatus(random.nextInt(256));
            case 14 -> new FrontEndMessage.SetProtocolFeatures(random.nextBoolean() ? ProtocolFeature.offered()
                    : random.nextLong());
            default -> new FrontEndMessage.ResetDevice();
        };
    }

    private static MemoryRegion region(SplittableRandom random, GuestRam ram) {
        long offset = random.nextInt(4) == 0 ? random.nextInt(100) : 4096L * random.nextInt(256);
        long size = random.nextInt(4) == 0 ? random.nextLong(1, 1L << 40) : 4096L * random.nextInt(1, 256);
        return new MemoryRegion(ram.guestBase + 4096L * random.nextInt(4), size, ram.user(ram.guestBase), offset);
    }
}
