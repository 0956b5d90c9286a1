/**
 * The testkit of virtiofs-java: an in-process guest driver for the virtio-fs device (no VM
 * needed), for tests, benchmarks and the JIT warm-up.
 */
module io.virtiofs.testkit {
    requires transitive io.virtiofs.transport;
    requires static transitive org.jspecify;
    requires java.logging; // ErrorLogWatch

    exports io.virtiofs.testkit.mock;
    exports io.virtiofs.testkit.fuzz;
    exports io.virtiofs.testkit.wire;
}
