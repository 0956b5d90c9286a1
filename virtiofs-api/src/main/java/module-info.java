/**
 * The file system SPI of virtiofs-java: what a file system implements, independent of any
 * transport or wire format.
 */
module io.virtiofs.api {
    requires transitive io.netty.buffer;
    requires static transitive org.jspecify;

    exports io.virtiofs.api;
    exports io.virtiofs.api.node;
}
