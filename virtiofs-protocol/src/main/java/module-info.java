/**
 * The FUSE wire protocol and the transport-free server of virtiofs-java.
 */
module io.virtiofs.protocol {
    requires transitive io.virtiofs.api;
    requires static transitive org.jspecify;

    exports io.virtiofs.protocol;
    // The wire records: the transports frame with them, the testkit is the driver's side of them.
    exports io.virtiofs.protocol.message to io.virtiofs.transport, io.virtiofs.testkit;
    exports io.virtiofs.protocol.server;
    exports io.virtiofs.protocol.migration;
}
