package io.virtiofs.examples.memfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.SetupMappingRequest;
import io.virtiofs.testkit.contract.Client;
import io.virtiofs.testkit.contract.Handle;
import io.virtiofs.testkit.contract.TestContext;
import io.virtiofs.transport.device.DaxWindowTable;
import io.virtiofs.transport.device.ReservedDaxBacking;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * memfs's setupmapping through an in-process DAX window: the window shows the file's bytes, and
 * stores through the window are the file's bytes; Linux's requests carry no handle (fh -1).
 */
class MemFsDaxTest {

    private static final long RANGE = 2 << 20;

    @Test
    void theWindowShowsTheFileAndItsStoresAreTheFiles() throws Exception {
        MemFs fs = new MemFs();
        Client client = new Client(fs, TestContext.root());
        Handle file = client.create(FileSystem.ROOT_ID, "mapped", 0644);
        byte[] bytes = new byte[3 * (int) RANGE + 123];
        new Random(5).nextBytes(bytes);
        client.write(file, 0, bytes);
        try (ReservedDaxBacking backing = ReservedDaxBacking.reserve(8 * RANGE)) {
            DaxWindowTable window = new DaxWindowTable(backing);
            // The range holding the end of the file, at the start of the window; read-write.
            fs.setupmapping(TestContext.root(), new SetupMappingRequest(file.nodeid(), -1, 2 * RANGE, RANGE,
                    SetupMappingRequest.READ | SetupMappingRequest.WRITE, 0), window);
            MemorySegment shown = backing.segment().asSlice(0, RANGE);
            byte[] expected = new byte[(int) RANGE];
            System.arraycopy(bytes, (int) (2 * RANGE), expected, 0, (int) RANGE);
            assertArrayEquals(expected, shown.toArray(ValueLayout.JAVA_BYTE));
            shown.set(ValueLayout.JAVA_BYTE, 7, (byte) 0x42);
            assertEquals(0x42, client.read(file.nodeid(), file.fh(), 2 * RANGE + 7, 1)[0]);

            // Past the end of the file the range exists (zeros), so touching it faults nothing.
            fs.setupmapping(TestContext.root(), new SetupMappingRequest(file.nodeid(), -1, 3 * RANGE, RANGE,
                    SetupMappingRequest.READ, RANGE), window);
            assertEquals(bytes[(int) (3 * RANGE)], backing.segment().get(ValueLayout.JAVA_BYTE, RANGE));
            assertEquals(0, backing.segment().get(ValueLayout.JAVA_BYTE, 2 * RANGE - 1));

            window.unmap(0, 2 * RANGE);
            assertEquals(Errno.EISDIR, assertThrows(ErrnoException.class, () -> fs.setupmapping(TestContext.root(),
                    new SetupMappingRequest(FileSystem.ROOT_ID, -1, 0, RANGE, SetupMappingRequest.READ, 0),
                    window)).errno());
        }
    }
}
