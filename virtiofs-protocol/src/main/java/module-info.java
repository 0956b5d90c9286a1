/**
 * The FUSE wire protocol and the transport-free server of virtiofs-java.
 */
module io.virtiofs.protocol {
    requires transitive io.virtiofs.api;
    requires static transitive org.jspecify;

    exports io.virtiofs.protocol;
    exports io.virtiofs.protocol.message;
    exports io.virtiofs.protocol.server;
}
