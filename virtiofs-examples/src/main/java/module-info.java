/**
 * Examples of virtiofs-java: memfs (an in-memory POSIX file system) and the {@code virtiofs}
 * command line.
 */
module io.virtiofs.examples {
    requires transitive io.virtiofs.transport;
    requires io.virtiofs.testkit; // the in-process guest of selftest and serve's warm-up
    requires io.virtiofs.s3;
    requires io.virtiofs.passthrough;
    requires static transitive org.jspecify;
    requires java.logging;

    exports io.virtiofs.examples.memfs;
    exports io.virtiofs.examples.hello;
    exports io.virtiofs.examples.zip;
}
