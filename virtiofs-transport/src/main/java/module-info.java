/**
 * Transports of virtiofs-java: guest memory, split virtqueues, the virtio-fs device model, the
 * vhost-user back-end and the /dev/fuse channel. All native code lives in the internal
 * {@code nativeio} package; run with {@code --enable-native-access=io.virtiofs.transport}.
 */
module io.virtiofs.transport {
    requires transitive io.virtiofs.protocol;
    requires static transitive org.jspecify;
    // sun.misc.Signal: SIGINT and SIGTERM stop runUntilStopped() instead of the JVM.
    requires jdk.unsupported;

    // Each package is exported once it has its first class (an empty package cannot be exported).

    exports io.virtiofs.transport.memory;
    exports io.virtiofs.transport.virtqueue;
    exports io.virtiofs.transport.device;
    exports io.virtiofs.transport.vhostuser;
    exports io.virtiofs.transport.fuse;

    // For the testkit's in-process driver only (eventfds, joining its relay threads).
    exports io.virtiofs.transport.internal to io.virtiofs.testkit;
    // The one FFM layer, shared with the passthrough file system (its host calls live here too).
    exports io.virtiofs.transport.internal.nativeio to io.virtiofs.testkit, io.virtiofs.passthrough;
}
