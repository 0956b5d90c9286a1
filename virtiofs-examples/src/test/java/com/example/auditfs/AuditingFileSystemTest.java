package com.example.auditfs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileSystem;
import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.examples.memfs.MemFsConfig;
import io.virtiofs.testkit.contract.ContractSetup;
import io.virtiofs.testkit.contract.FileSystemContract;
import io.virtiofs.testkit.mock.MockGuest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * How a third party tests its own file system with virtiofs-testkit (test scope) and nothing of
 * the library's internals: the contract suite checks that the layer keeps POSIX semantics, and
 * the mock guest drives it through the virtio-fs device as a VM would, without one.
 */
class AuditingFileSystemTest {

    /** Every contract test, on the layer over memfs built from the contract's setup. */
    @Nested
    class Contract extends FileSystemContract {
        @Override
        protected FileSystem createFileSystem(ContractSetup setup) {
            return new AuditingFileSystem(new MemFs(MemFsConfig.builder()
                    .capacityBytes(setup.capacityBytes())
                    .blockSize(setup.blockSize())
                    .maxFileSize(setup.maxFileSize())
                    .maxInodes(setup.maxInodes())
                    .clock(setup.clock())
                    .build()));
        }
    }

    @Test
    void aGuestsWritesAreAccountedFor() {
        AuditingFileSystem fs = new AuditingFileSystem(new MemFs());
        try (MockGuest guest = MockGuest.start(fs)) {
            MockGuest.Created file = guest.create(FileSystem.ROOT_ID, "notes.txt", 0644);
            assertEquals(6, guest.write(file.nodeid(), file.fh(), 0, "hello\n".getBytes(UTF_8)));
            assertEquals(6, guest.write(file.nodeid(), file.fh(), 6, "world\n".getBytes(UTF_8)));
            assertArrayEquals("hello\nworld\n".getBytes(UTF_8), guest.read(file.nodeid(), file.fh(), 0, 4096));
            guest.release(file.nodeid(), file.fh());
            assertEquals(12, guest.getattr(file.nodeid()).attr().size());
            assertTrue(guest.list(FileSystem.ROOT_ID).contains("notes.txt"));

            guest.unlink(FileSystem.ROOT_ID, "notes.txt");
            ErrnoException gone = assertThrows(ErrnoException.class, () -> guest.lookup(FileSystem.ROOT_ID, "notes.txt"));
            assertEquals(Errno.ENOENT, gone.errno());
            guest.forget(file.nodeid(), 1);
        }
        assertEquals(12, fs.bytesWritten());
        assertEquals(1, fs.filesCreated());
        assertEquals(1, fs.namesRemoved());
    }

    @Test
    void whatIsWrittenCountsNotWhatIsAsked() {
        AuditingFileSystem fs = new AuditingFileSystem(new MemFs(MemFsConfig.builder().capacityBytes(8192).build()));
        try (MockGuest guest = MockGuest.start(fs)) {
            MockGuest.Created file = guest.create(FileSystem.ROOT_ID, "big", 0644);
            int written = guest.write(file.nodeid(), file.fh(), 0, new byte[64 * 1024]);
            assertTrue(written < 64 * 1024, "a short write on a full file system: " + written);
            ErrnoException full = assertThrows(ErrnoException.class,
                    () -> guest.write(file.nodeid(), file.fh(), written, new byte[4096]));
            assertEquals(Errno.ENOSPC, full.errno());
            assertEquals(written, fs.bytesWritten());
        }
    }
}
