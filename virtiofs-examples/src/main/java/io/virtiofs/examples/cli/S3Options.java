package io.virtiofs.examples.cli;

import io.virtiofs.s3.S3Config;
import io.virtiofs.s3.S3FileSystem;
import io.virtiofs.s3.store.SdkObjectStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code --s3-*} options of serve and mount: the S3 gateway ({@link S3FileSystem}) instead of
 * memfs. Credentials are never options: they come from the AWS environment variables or profile.
 */
final class S3Options {

    static final Set<String> WITH_VALUE = Set.of("s3-endpoint", "s3-bucket", "s3-prefix", "s3-region", "s3-timeout",
            "s3-block-size", "s3-read-ahead", "s3-cache-size", "s3-memory-buffer", "s3-spill-dir", "s3-part-size",
            "s3-upload-concurrency", "s3-capacity", "s3-rename-limit", "s3-connections", "cache");
    static final Set<String> FLAGS = Set.of("s3-virtual-host");

    static final String USAGE = """

            S3 gateway (instead of memfs; credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
            or the AWS profile, never from the command line):
              --s3-endpoint URL         the S3 endpoint, e.g. http://127.0.0.1:7480 (Ceph radosgw)
              --s3-bucket NAME          the bucket to serve (selects the gateway)
              --s3-prefix P             serve only the keys under P/ (default: the whole bucket)
              --s3-region R             the signing region (default $AWS_REGION or us-east-1)
              --s3-virtual-host         virtual-host addressing (default: path style, as Ceph wants)
              --cache none|auto|always  none: every stat/open asks the store; auto (default):
                                        attributes and names cached 1 s, data until the next
                                        open; always: cached a day, data kept across opens
              --s3-timeout SECONDS      the most one store call may take, retries included,
                                        before the request fails with ETIMEDOUT (default 30)
              --s3-block-size BYTES     unit of ranged GETs and of the block cache (default 1M)
              --s3-read-ahead BLOCKS    blocks fetched ahead of a sequential reader (default 16)
              --s3-cache-size BYTES     the block cache (default 64M)
              --s3-memory-buffer BYTES  a file being written stays in memory up to this, then
                                        spills to disk (default 1M)
              --s3-spill-dir DIR        where spill files go (default $TMPDIR/virtiofs-s3-PID)
              --s3-part-size BYTES      multipart upload part size (default 8M, 5M..5G)
              --s3-upload-concurrency N parts of one file uploaded at once (default 4)
              --s3-connections N        HTTP connections to the store (default 64)
              --s3-capacity BYTES       the size statfs reports (default 1T)
              --s3-rename-limit N       the most objects a directory rename copies; beyond it
                                        rename answers EXDEV and mv copies (default 1000)
            """;

    private S3Options() {
    }

    static boolean selected(Arguments parsed) throws UsageException {
        boolean any = parsed.value("s3-bucket").isPresent();
        for (String name : WITH_VALUE) {
            if (!any && !name.equals("cache") && parsed.value(name).isPresent()) {
                throw new UsageException("--" + name + " needs --s3-bucket");
            }
        }
        return any;
    }

    static S3FileSystem fileSystem(Arguments parsed, boolean timeoutsGiven) throws UsageException {
        String endpoint = parsed.value("s3-endpoint").orElseThrow(() -> new UsageException("--s3-bucket needs --s3-endpoint URL"));
        URI uri;
        try {
            uri = URI.create(endpoint);
            if (uri.getScheme() == null || uri.getHost() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("--s3-endpoint " + endpoint + " is not an http(s) URL: " + e.getMessage());
        }
        if (uri.getUserInfo() != null) {
            throw new UsageException("--s3-endpoint must not carry credentials; use AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile");
        }
        S3Config.CacheMode mode;
        String cache = parsed.value("cache").orElse("auto");
        try {
            mode = S3Config.CacheMode.valueOf(cache.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--cache " + cache + " is not none, auto or always");
        }
        Duration timeout = parsed.secondsValue("s3-timeout", Duration.ofSeconds(30));
        String region = parsed.value("s3-region").orElse(Optional.ofNullable(System.getenv("AWS_REGION")).orElse("us-east-1"));
        S3Config.Builder config = S3Config.builder()
                .prefix(parsed.value("s3-prefix").orElse(""))
                .cache(mode)
                .timeout(timeout)
                .blockSize(intSize(parsed, "s3-block-size", 1 << 20))
                .readAheadBlocks(parsed.intValue("s3-read-ahead", 16, 0, 256))
                .cacheBytes(parsed.sizeValue("s3-cache-size", 64L << 20))
                .memoryBuffer(intSize(parsed, "s3-memory-buffer", 1 << 20))
                .partSize(parsed.sizeValue("s3-part-size", 8L << 20))
                .uploadConcurrency(parsed.intValue("s3-upload-concurrency", 4, 1, 64))
                .capacity(parsed.sizeValue("s3-capacity", 1L << 40))
                .renameLimit(parsed.intValue("s3-rename-limit", 1000, 0, Integer.MAX_VALUE));
        parsed.value("s3-spill-dir").ifPresent(dir -> config.spillDirectory(Path.of(dir)));
        if (timeoutsGiven) {
            config.attrTimeout(parsed.secondsValue("attr-timeout", Duration.ofSeconds(1)));
            config.entryTimeout(parsed.secondsValue("entry-timeout", Duration.ofSeconds(1)));
        }
        S3Config built;
        SdkObjectStore.Settings settings;
        try {
            built = config.build();
            settings = new SdkObjectStore.Settings(uri, parsed.value("s3-bucket").get(), region,
                    !parsed.flag("s3-virtual-host"), timeout, parsed.intValue("s3-connections", 64, 1, 1024));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        // The SDK must never look for credentials or a region at the instance metadata address.
        System.setProperty("aws.disableEc2Metadata", "true");
        return new S3FileSystem(new SdkObjectStore(settings), built);
    }

    private static int intSize(Arguments parsed, String name, int defaultValue) throws UsageException {
        long value = parsed.sizeValue(name, defaultValue);
        if (value > Integer.MAX_VALUE) {
            throw new UsageException("--" + name + " " + value + " is too large");
        }
        return (int) value;
    }
}
