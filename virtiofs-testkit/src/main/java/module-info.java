/**
 * The testkit of virtiofs-java: an in-process guest driver for the virtio-fs device (no VM
 * needed), the driver's side of the FUSE wire, and the contract of the {@code FileSystem} SPI as
 * JUnit 5 tests, for tests, benchmarks and the JIT warm-up.
 */
module io.virtiofs.testkit {
    requires transitive io.virtiofs.transport;
    requires static transitive org.jspecify;
    requires java.logging; // ErrorLogWatch
    // The contract suite: JUnit 5 tests for those who extend it; the rest runs without JUnit.
    requires static org.junit.jupiter.api;

    exports io.virtiofs.testkit.mock;
    exports io.virtiofs.testkit.support;
    exports io.virtiofs.testkit.wire;
    exports io.virtiofs.testkit.contract;
    exports io.virtiofs.testkit.warmup;
    // JUnit calls the contract's fixture methods and default test methods reflectively.
    opens io.virtiofs.testkit.contract to org.junit.platform.commons;
}
