/**
 * Examples of virtiofs-java: memfs (an in-memory POSIX file system) and the {@code virtiofs}
 * command line.
 */
module io.virtiofs.examples {
    requires transitive io.virtiofs.transport;
    requires static transitive org.jspecify;
    requires java.logging;

    exports io.virtiofs.examples.memfs;
    exports io.virtiofs.examples.cli;
    exports io.virtiofs.examples.hello;
    exports io.virtiofs.examples.zip;
}
