/**
 * A gateway file system over the S3 API ({@link io.virtiofs.s3.S3FileSystem}): a bucket, or a
 * prefix in one, served through the virtiofs-java SPI. Its own module so that the AWS SDK stays
 * out of the library's core artifacts.
 */
module io.virtiofs.s3 {
    requires transitive io.virtiofs.api;
    requires static transitive org.jspecify;
    requires software.amazon.awssdk.services.s3;
    requires software.amazon.awssdk.core;
    requires software.amazon.awssdk.awscore;
    requires software.amazon.awssdk.auth;
    requires software.amazon.awssdk.regions;
    requires software.amazon.awssdk.http;
    requires software.amazon.awssdk.http.apache5;
    requires software.amazon.awssdk.utils;
    // Apache HttpClient 5 (an automatic module) sets socket options through jdk.net.
    requires jdk.net;
    // The SDK (automatic modules) logs through SLF4J, an explicit module: resolved only when named.
    requires org.slf4j;

    exports io.virtiofs.s3;
    exports io.virtiofs.s3.store;
    exports io.virtiofs.s3.tool;
}
