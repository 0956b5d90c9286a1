/**
 * The passthrough file system of virtiofs-java: one host directory shared through the
 * {@link io.virtiofs.api.FileSystem} SPI, as virtiofsd shares it. Its host calls go through the
 * transport's FFM layer; run with {@code --enable-native-access=io.virtiofs.transport}.
 */
module io.virtiofs.passthrough {
    requires transitive io.virtiofs.transport;
    requires static transitive org.jspecify;

    exports io.virtiofs.passthrough;
}
