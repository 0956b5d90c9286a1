package io.virtiofs.testkit.contract;

import io.virtiofs.api.Attr;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.XattrName;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.SplittableRandom;

/**
 * What every contract interface needs from {@link FileSystemContract}: the file system under test
 * (fresh for each test), its clock, and helpers.
 */
public interface ContractSupport {

    /** The file system under test, built from {@link ContractSetup#standard()}. */
    FileSystem fs();

    /** A client acting as root on {@link #fs()}. */
    Client root();

    /** The clock of {@link #fs()}. */
    TestClock clock();

    /** A new, separate file system built from {@code setup}, with a root client. */
    Client newFileSystem(ContractSetup setup);

    /** The root directory's nodeid. */
    default long rootId() {
        return FileSystem.ROOT_ID;
    }

    /** An xattr name from text. */
    static XattrName xattr(String name) {
        return XattrName.of(name);
    }

    /** Xattr names as text, in order. */
    static java.util.List<String> strings(java.util.List<XattrName> names) {
        return names.stream().map(XattrName::toString).toList();
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] randomBytes(SplittableRandom random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    /** The access time of {@code attr}. */
    static Instant atime(Attr attr) {
        return Instant.ofEpochSecond(attr.atime(), attr.atimeNsec());
    }

    /** The modification time of {@code attr}. */
    static Instant mtime(Attr attr) {
        return Instant.ofEpochSecond(attr.mtime(), attr.mtimeNsec());
    }

    /** The change time of {@code attr}. */
    static Instant ctime(Attr attr) {
        return Instant.ofEpochSecond(attr.ctime(), attr.ctimeNsec());
    }
}
