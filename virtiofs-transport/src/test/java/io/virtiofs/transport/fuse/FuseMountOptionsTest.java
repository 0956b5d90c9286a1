package io.virtiofs.transport.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class FuseMountOptionsTest {

    private static final Path MOUNTPOINT = Path.of("/tmp/fs");

    @Test
    void defaults() {
        FuseMountOptions options = FuseMountOptions.of(Path.of("/tmp/x/../fs"));
        assertEquals(new FuseMountOptions(MOUNTPOINT, "virtiofs-java", Optional.empty(), false, false, OptionalInt.empty(),
                List.of(), 8, 1 << 20, 1 << 20, 64, 48, 1, false, 16, Set.of(RingFlag.SINGLE_ISSUER, RingFlag.DEFER_TASKRUN)),
                options);
        assertEquals((1 << 20) + 4096, options.bufferSize());
        assertEquals("fuse", options.fileSystemType());
    }

    @Test
    void aDashOListSetsEveryKindOfOption() {
        FuseMountOptions options = FuseMountOptions.builder(MOUNTPOINT)
                .options("fsname=memfs,subtype=mem,allow_other,default_permissions,max_read=65536,ro,noatime,"
                        + "context=system_u:object_r:tmp_t:s0")
                .workers(2).maxWrite(4096).maxReadahead(0).maxBackground(10, 5).timeGranularity(1000)
                .ioUring(true).ringDepth(4).ringFlags(Set.of(RingFlag.COOP_TASKRUN))
                .build();
        assertEquals(new FuseMountOptions(MOUNTPOINT, "memfs", Optional.of("mem"), true, true, OptionalInt.of(65536),
                List.of("ro", "noatime", "context=system_u:object_r:tmp_t:s0"), 2, 4096, 0, 10, 5, 1000, true, 4,
                Set.of(RingFlag.COOP_TASKRUN)), options);
        assertEquals(8192, options.bufferSize(), "never below FUSE_MIN_READ_BUFFER");
        assertEquals("fuse.mem", options.fileSystemType());
    }

    @Test
    void everyMountFlagWordIsKnown() {
        for (MountFlagOption flag : MountFlagOption.values()) {
            assertEquals(List.of(flag.word()), FuseMountOptions.builder(MOUNTPOINT).options(flag.word()).build().extraOptions());
        }
    }

    private static void rejects(String message, Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertEquals(message, e.getMessage());
    }

    @Test
    void wrongOptionsAreRejectedWithTheirReason() {
        rejects("mount option fd is set by the transport, not by the user",
                () -> FuseMountOptions.builder(MOUNTPOINT).options("fd=3"));
        rejects("mount option rootmode is set by the transport, not by the user",
                () -> FuseMountOptions.builder(MOUNTPOINT).option("rootmode=40000"));
        rejects("mount option blksize is only for fuseblk mounts",
                () -> FuseMountOptions.builder(MOUNTPOINT).options("blksize=4096"));
        rejects("empty mount option in \"ro,,rw\"", () -> FuseMountOptions.builder(MOUNTPOINT).options("ro,,rw"));
        rejects("mount option max_read=lots needs a number of bytes",
                () -> FuseMountOptions.builder(MOUNTPOINT).options("max_read=lots"));
        rejects("subtype \"a/b\" must be 1 to 64 of A-Z a-z 0-9 _ . + -",
                () -> FuseMountOptions.builder(MOUNTPOINT).subtype("a/b").build());
        rejects("fsname must be non-empty and without NUL characters",
                () -> FuseMountOptions.builder(MOUNTPOINT).options("fsname=").build());
        rejects("max_read 0 is less than 1", () -> FuseMountOptions.builder(MOUNTPOINT).maxRead(0).build());
        rejects("workers 0 is outside 1..256", () -> FuseMountOptions.builder(MOUNTPOINT).workers(0).build());
        rejects("maxWrite 1000 is outside 4096..1048576", () -> FuseMountOptions.builder(MOUNTPOINT).maxWrite(1000).build());
        rejects("congestionThreshold 65 is outside 1..maxBackground",
                () -> FuseMountOptions.builder(MOUNTPOINT).maxBackground(64, 65).build());
    }

    @Test
    void unknownOptionsListWhatIsKnown() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FuseMountOptions.builder(MOUNTPOINT).options("ro,auto_unmount"));
        assertEquals("unknown mount option \"auto_unmount\" (known: fsname=, subtype=, allow_other, default_permissions,"
                + " max_read=, ro, rw, nosuid, suid, nodev, dev, noexec, exec, sync, async, dirsync, noatime, atime,"
                + " nodiratime, diratime, relatime, norelatime, strictatime, lazytime, nolazytime, context=, fscontext=,"
                + " defcontext=, rootcontext=)", e.getMessage());
    }

    @Test
    void extraOptionsAreCheckedInTheRecordToo() {
        rejects("unknown mount option \"x\" (known: fsname=, subtype=, allow_other, default_permissions, max_read=, ro, rw,"
                        + " nosuid, suid, nodev, dev, noexec, exec, sync, async, dirsync, noatime, atime, nodiratime, diratime,"
                        + " relatime, norelatime, strictatime, lazytime, nolazytime, context=, fscontext=, defcontext=,"
                        + " rootcontext=)",
                () -> new FuseMountOptions(MOUNTPOINT, "fs", Optional.empty(), false, false, OptionalInt.empty(),
                        List.of("x"), 1, 4096, 0, 1, 1, 1, false, 1, Set.of()));
    }

    @Test
    void ringOptionsAreChecked() {
        FuseMountOptions.Builder builder = FuseMountOptions.builder(MOUNTPOINT).ioUring(true);
        rejects("ring depth 0 is outside 1..1024", () -> builder.ringDepth(0).build());
        rejects("ring depth 1025 is outside 1..1024", () -> builder.ringDepth(1025).build());
        rejects("ring flag DEFER_TASKRUN needs SINGLE_ISSUER",
                () -> builder.ringDepth(1).ringFlags(Set.of(RingFlag.DEFER_TASKRUN)).build());
        assertEquals(Set.of(), builder.ringFlags(Set.of()).build().ringFlags());
        assertEquals(1024, builder.ringDepth(1024).build().ringDepth());
    }
}
