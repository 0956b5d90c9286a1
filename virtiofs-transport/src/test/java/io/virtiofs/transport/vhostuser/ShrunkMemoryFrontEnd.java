package io.virtiofs.transport.vhostuser;

import io.virtiofs.transport.internal.nativeio.EventFdCalls;
import io.virtiofs.transport.internal.nativeio.MemoryCalls;
import io.virtiofs.transport.virtqueue.RingLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The front-end of {@link ShrunkMemoryTest}, run in a JVM of its own (interpreted, {@code -Xint},
 * as a back-end is before the JIT compiles its ring code): it hands the back-end guest memory that
 * cannot be sealed (accepted only because the back-end was told to), then cuts the memory file
 * short under the device and kicks. The back-end must answer DEVICE_NEEDS_RESET and live on.
 *
 * <p>Request queue 1's used ring ends just before the cut, so that its {@code avail_event} (a
 * 16-bit field the device stores into when it waits for the next kick) lies in the first page
 * gone. Prints {@code status 0x..} and exits 0 when the device reported DEVICE_NEEDS_RESET, 3
 * when it did not.
 */
public final class ShrunkMemoryFrontEnd {

    static final long GUEST_BASE = 0x1000_0000L;
    static final long RAM = 1 << 20;
    /** Where the file is cut: the pages from here on are gone. */
    static final long CUT = 0xF_0000L;
    static final int QUEUE_SIZE = 64;

    private ShrunkMemoryFrontEnd() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Path socket = dir.resolve("vfs.sock");
        VhostUserBackend backend = VhostUserBackend.builder().socketPath(socket).tag("shrink").requestQueues(1)
                .queueSize(256).acceptUnsealedMemory(true).handlerFactory(config -> new EchoHandler()).build();
        backend.start();
        GuestRam ram = new GuestRam("shrink", GUEST_BASE, RAM, false);
        TestFrontEnd front = TestFrontEnd.connect(socket, ram);
        front.ringFactory = (i, size) -> {
            if (i != 1) {
                return new TestVring(ram, size, 0);
            }
            long descriptors = ram.allocate(16L * size, 4096);
            long avail = ram.allocate(6 + 2L * size, 4096);
            long used = GUEST_BASE + CUT - (4 + 8L * size); // avail_event at CUT
            return new TestVring(ram, new RingLayout(size, descriptors, avail, used), 0);
        };
        front.handshake(2, QUEUE_SIZE, false);
        byte[] body = {1, 2, 3};
        front.exchange(1, 15, 7, body); // served while the memory is whole
        front.offer(1, 15, 9, body);
        MemoryCalls.ftruncate(ram.fd, CUT);
        EventFdCalls.write(front.kick(1), 1);
        long status = 0;
        long deadline = System.nanoTime() + 20_000_000_000L;
        while ((status & 0x40) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
            status = front.u64(new FrontEndMessage.GetStatus());
        }
        System.out.println("status 0x" + Long.toHexString(status));
        Files.writeString(dir.resolve("status"), Long.toHexString(status));
        front.close();
        backend.close();
        System.exit((status & 0x40) != 0 ? 0 : 3);
    }
}
