package io.virtiofs.testkit.protocol.message;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtiofs.protocol.InHeader;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.message.AccessIn;
import io.virtiofs.protocol.message.AttrOut;
import io.virtiofs.protocol.message.BatchForgetIn;
import io.virtiofs.protocol.message.BmapIn;
import io.virtiofs.protocol.message.BmapOut;
import io.virtiofs.protocol.message.CopyFileRangeIn;
import io.virtiofs.protocol.message.CopyFileRangeOut;
import io.virtiofs.protocol.message.CreateIn;
import io.virtiofs.protocol.message.DirentWriter;
import io.virtiofs.protocol.message.EntryOut;
import io.virtiofs.protocol.message.FallocateIn;
import io.virtiofs.protocol.message.FileLockCodec;
import io.virtiofs.protocol.message.FlushIn;
import io.virtiofs.protocol.message.ForgetIn;
import io.virtiofs.protocol.message.ForgetOne;
import io.virtiofs.protocol.message.FsyncIn;
import io.virtiofs.protocol.message.FuseAttrCodec;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.message.GetxattrIn;
import io.virtiofs.protocol.message.GetxattrOut;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.message.InitOut;
import io.virtiofs.protocol.message.InterruptIn;
import io.virtiofs.protocol.message.IoctlIn;
import io.virtiofs.protocol.message.IoctlOut;
import io.virtiofs.protocol.message.LinkIn;
import io.virtiofs.protocol.message.LkIn;
import io.virtiofs.protocol.message.LkOut;
import io.virtiofs.protocol.message.LseekIn;
import io.virtiofs.protocol.message.LseekOut;
import io.virtiofs.protocol.message.MkdirIn;
import io.virtiofs.protocol.message.MknodIn;
import io.virtiofs.protocol.message.NotifyDeleteOut;
import io.virtiofs.protocol.message.NotifyInvalEntryOut;
import io.virtiofs.protocol.message.NotifyInvalInodeOut;
import io.virtiofs.protocol.message.NotifyPollOut;
import io.virtiofs.protocol.message.NotifyPruneOut;
import io.virtiofs.protocol.message.NotifyReplyIn;
import io.virtiofs.protocol.message.NotifyRetrieveOut;
import io.virtiofs.protocol.message.NotifyStoreOut;
import io.virtiofs.protocol.message.OpenIn;
import io.virtiofs.protocol.message.OpenOut;
import io.virtiofs.protocol.message.PollIn;
import io.virtiofs.protocol.message.PollOut;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.protocol.message.ReleaseIn;
import io.virtiofs.protocol.message.RemovemappingIn;
import io.virtiofs.protocol.message.RemovemappingOne;
import io.virtiofs.protocol.message.Rename2In;
import io.virtiofs.protocol.message.RenameIn;
import io.virtiofs.protocol.message.RequestExtensions;
import io.virtiofs.protocol.message.SetattrIn;
import io.virtiofs.protocol.message.SetupmappingIn;
import io.virtiofs.protocol.message.SetxattrIn;
import io.virtiofs.protocol.message.StatfsOut;
import io.virtiofs.protocol.message.StatxIn;
import io.virtiofs.protocol.message.StatxOut;
import io.virtiofs.protocol.message.SyncfsIn;
import io.virtiofs.protocol.message.WriteIn;
import io.virtiofs.protocol.message.WriteOut;
import io.virtiofs.testkit.support.Prerequisites;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Our codecs against the kernel's struct layouts: {@code fuse_layout.c} is compiled with {@code gcc}
 * against {@code /usr/include/linux/fuse.h} (structs newer than that header are declared in the
 * program from the FUSE 7.45 field lists) and prints each struct's members and bytes; every record
 * must encode to exactly those bytes and decode them back, in both byte orders.
 *
 * <p>Needs gcc and the kernel's header (skipped without them, failing with {@code CI=true}). The
 * golden fixtures {@link GoldenFixtureTest} reads are written from the same program's output by
 * {@link GoldenFixturesMain}, not by a test.
 */
class KernelLayoutTest {

    private static List<String> output;
    private static Map<String, Layout> layouts;

    @BeforeAll
    static void compileAndRun() throws IOException, InterruptedException {
        Prerequisites.require(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN,
                "the C program prints host-order bytes; this test expects a little-endian host");
        Prerequisites.require(Files.isRegularFile(Path.of("/usr/include/linux/fuse.h")),
                "/usr/include/linux/fuse.h is missing (linux-libc-dev)");
        Prerequisites.require(gccAvailable(), "gcc is not installed");
        output = runLayoutProgram();
        layouts = parse(output);
    }

    /** Compiles {@code fuse_layout.c} against the kernel's header, runs it and returns what it prints. */
    static List<String> runLayoutProgram() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "fuse-layout");
        try {
            Path source = dir.resolve("fuse_layout.c");
            try (InputStream in = KernelLayoutTest.class.getResourceAsStream("fuse_layout.c")) {
                Files.copy(java.util.Objects.requireNonNull(in, "fuse_layout.c resource"), source);
            }
            Path binary = dir.resolve("fuse_layout");
            run(List.of("gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-fno-strict-aliasing", "-o",
                    binary.toString(), source.toString()), dir);
            return run(List.of(binary.toString()), dir);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }

    /** The layouts the program printed, by struct name. */
    static Map<String, Layout> parse(List<String> printed) {
        Map<String, Layout> byName = new TreeMap<>();
        for (Layout layout : Layout.parseAll(printed)) {
            byName.put(layout.name(), layout);
        }
        return byName;
    }

    private static boolean gccAvailable() {
        try {
            Process process = new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static List<String> run(List<String> command, Path dir) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(command.get(0) + " failed:\n" + text);
        }
        return text.lines().toList();
    }

    static List<LayoutCase> cases() {
        return Stream.concat(RequestLayoutCases.all().stream(), ReplyLayoutCases.all().stream()).toList();
    }

    @TestFactory
    Stream<DynamicTest> everyStructEncodesToTheKernelsBytesAndDecodesBack() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.displayName(),
                () -> LayoutAssertions.check(c, layouts.get(c.layout()))));
    }

    @Test
    void everyLayoutHasACaseAndEveryCaseALayout() {
        Set<String> covered = cases().stream().map(LayoutCase::layout).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(layouts.keySet(), covered);
    }

    @Test
    void structSizesAndConstantsMatchTheHeader() {
        Map<String, Long> printed = new TreeMap<>();
        for (String line : output) {
            String[] parts = line.split(" ");
            if (parts[0].equals("sizeof") || parts[0].equals("const")) {
                printed.put(parts[1], Long.parseLong(parts[2]));
            }
        }
        Map<String, Integer> ours = new TreeMap<>();
        ours.put("fuse_in_header", InHeader.SIZE);
        ours.put("fuse_out_header", OutHeader.SIZE);
        ours.put("fuse_attr", FuseAttrCodec.SIZE);
        ours.put("fuse_entry_out", EntryOut.SIZE);
        ours.put("fuse_attr_out", AttrOut.SIZE);
        ours.put("fuse_init_in", InitIn.SIZE);
        ours.put("fuse_init_out_745", InitOut.SIZE);
        ours.put("fuse_forget_in", ForgetIn.SIZE);
        ours.put("fuse_forget_one", ForgetOne.SIZE);
        ours.put("fuse_batch_forget_in", BatchForgetIn.SIZE);
        ours.put("fuse_getattr_in", GetattrIn.SIZE);
        ours.put("fuse_setattr_in", SetattrIn.SIZE);
        ours.put("fuse_mknod_in", MknodIn.SIZE);
        ours.put("fuse_mkdir_in", MkdirIn.SIZE);
        ours.put("fuse_rename_in", RenameIn.SIZE);
        ours.put("fuse_rename2_in", Rename2In.SIZE);
        ours.put("fuse_link_in", LinkIn.SIZE);
        ours.put("fuse_open_in", OpenIn.SIZE);
        ours.put("fuse_create_in", CreateIn.SIZE);
        ours.put("fuse_open_out_745", OpenOut.SIZE);
        ours.put("fuse_release_in", ReleaseIn.SIZE);
        ours.put("fuse_flush_in", FlushIn.SIZE);
        ours.put("fuse_read_in", ReadIn.SIZE);
        ours.put("fuse_write_in", WriteIn.SIZE);
        ours.put("fuse_write_out", WriteOut.SIZE);
        ours.put("fuse_statfs_out", StatfsOut.SIZE);
        ours.put("fuse_fsync_in", FsyncIn.SIZE);
        ours.put("fuse_setxattr_in", SetxattrIn.SIZE);
        ours.put("fuse_getxattr_in", GetxattrIn.SIZE);
        ours.put("fuse_getxattr_out", GetxattrOut.SIZE);
        ours.put("fuse_file_lock", FileLockCodec.SIZE);
        ours.put("fuse_lk_in", LkIn.SIZE);
        ours.put("fuse_lk_out", LkOut.SIZE);
        ours.put("fuse_access_in", AccessIn.SIZE);
        ours.put("fuse_interrupt_in", InterruptIn.SIZE);
        ours.put("fuse_bmap_in", BmapIn.SIZE);
        ours.put("fuse_bmap_out", BmapOut.SIZE);
        ours.put("fuse_ioctl_in", IoctlIn.SIZE);
        ours.put("fuse_ioctl_out", IoctlOut.SIZE);
        ours.put("fuse_poll_in", PollIn.SIZE);
        ours.put("fuse_poll_out", PollOut.SIZE);
        ours.put("fuse_notify_poll_wakeup_out", NotifyPollOut.SIZE);
        ours.put("fuse_fallocate_in", FallocateIn.SIZE);
        ours.put("fuse_notify_inval_inode_out", NotifyInvalInodeOut.SIZE);
        ours.put("fuse_notify_inval_entry_out", NotifyInvalEntryOut.SIZE);
        ours.put("fuse_notify_delete_out", NotifyDeleteOut.SIZE);
        ours.put("fuse_notify_store_out", NotifyStoreOut.SIZE);
        ours.put("fuse_notify_retrieve_out", NotifyRetrieveOut.SIZE);
        ours.put("fuse_notify_retrieve_in", NotifyReplyIn.SIZE);
        ours.put("fuse_notify_prune_out_745", NotifyPruneOut.SIZE);
        ours.put("fuse_lseek_in", LseekIn.SIZE);
        ours.put("fuse_lseek_out", LseekOut.SIZE);
        ours.put("fuse_copy_file_range_in", CopyFileRangeIn.SIZE);
        ours.put("fuse_copy_file_range_out_745", CopyFileRangeOut.SIZE);
        ours.put("fuse_setupmapping_in", SetupmappingIn.SIZE);
        ours.put("fuse_removemapping_in", RemovemappingIn.SIZE);
        ours.put("fuse_removemapping_one", RemovemappingOne.SIZE);
        ours.put("fuse_syncfs_in", SyncfsIn.SIZE);
        ours.put("fuse_statx_in_745", StatxIn.SIZE);
        ours.put("fuse_statx_out_745", StatxOut.SIZE);
        ours.put("fuse_statx_745", StatxOut.STATX_SIZE);
        ours.put("fuse_secctx", RequestExtensions.SECCTX_SIZE);
        ours.put("fuse_secctx_header", RequestExtensions.HEADER_SIZE);
        ours.put("fuse_ext_header", RequestExtensions.HEADER_SIZE);
        ours.put("FUSE_COMPAT_ENTRY_OUT_SIZE", EntryOut.SIZE_BEFORE_9);
        ours.put("FUSE_COMPAT_ATTR_OUT_SIZE", AttrOut.SIZE_BEFORE_9);
        ours.put("FUSE_COMPAT_MKNOD_IN_SIZE", MknodIn.SIZE_BEFORE_12);
        ours.put("FUSE_COMPAT_WRITE_IN_SIZE", WriteIn.SIZE_BEFORE_9);
        ours.put("FUSE_COMPAT_STATFS_SIZE", StatfsOut.SIZE_BEFORE_4);
        ours.put("FUSE_COMPAT_SETXATTR_IN_SIZE", SetxattrIn.SIZE_COMPAT);
        ours.put("FUSE_COMPAT_INIT_OUT_SIZE", InitOut.SIZE_BEFORE_5);
        ours.put("FUSE_COMPAT_22_INIT_OUT_SIZE", InitOut.SIZE_BEFORE_23);
        ours.put("FUSE_NAME_OFFSET", DirentWriter.NAME_OFFSET);
        ours.put("FUSE_NAME_OFFSET_DIRENTPLUS", EntryOut.SIZE + DirentWriter.NAME_OFFSET);
        ours.put("FUSE_MAX_NR_SECCTX", RequestExtensions.MAX_NR_SECCTX);
        ours.put("FUSE_EXT_GROUPS_745", RequestExtensions.EXT_GROUPS);
        ours.put("FUSE_KERNEL_MINOR_VERSION", (int) (long) printed.get("FUSE_KERNEL_MINOR_VERSION"));
        Map<String, Long> expected = new TreeMap<>();
        ours.forEach((name, size) -> expected.put(name, (long) size));
        assertEquals(printed, expected);
    }
}
