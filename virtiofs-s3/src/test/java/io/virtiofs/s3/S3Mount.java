package io.virtiofs.s3;

import io.virtiofs.s3.store.SdkObjectStore;
import io.virtiofs.transport.fuse.FuseMount;
import io.virtiofs.transport.fuse.FuseMountOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** A bucket of the test cluster mounted through the kernel's FUSE client with {@link S3FileSystem}. */
final class S3Mount implements AutoCloseable {

    private static final AtomicInteger BUCKETS = new AtomicInteger();

    final CephCluster cluster;
    final String bucket;
    final Path mountpoint;
    final S3Client api;
    private FuseMount mount;
    private S3FileSystem fs;

    private S3Mount(CephCluster cluster, String bucket, Path mountpoint) {
        this.cluster = cluster;
        this.bucket = bucket;
        this.mountpoint = mountpoint;
        this.api = cluster.client();
    }

    /** A new bucket, mounted with the configuration {@code config} makes of the defaults. */
    static S3Mount create(String name, UnaryOperator<S3Config.Builder> config) throws Exception {
        CephCluster cluster = CephCluster.get();
        String bucket = name + "-" + ProcessHandle.current().pid() + "-" + BUCKETS.incrementAndGet();
        Path mountpoint = Files.createTempDirectory("s3mount-");
        S3Mount m = new S3Mount(cluster, bucket, mountpoint);
        m.api.createBucket(b -> b.bucket(bucket));
        m.mount(config, cluster.credentials());
        return m;
    }

    private Path spill;

    void mount(UnaryOperator<S3Config.Builder> config, AwsCredentialsProvider credentials) throws Exception {
        if (spill == null) {
            spill = Files.createTempDirectory("s3spill-");
        }
        S3Config c = config.apply(S3Config.builder().spillDirectory(spill)).build();
        SdkObjectStore store = new SdkObjectStore(new SdkObjectStore.Settings(cluster.endpoint, bucket, "us-east-1", true,
                c.timeout(), 64), credentials);
        fs = new S3FileSystem(store, c);
        mount = FuseMount.mount(fs, FuseMountOptions.builder(mountpoint).workers(16).fsname("s3test").build());
    }

    /** Unmounts and mounts again: the kernel's and the gateway's caches start empty. */
    void remount(UnaryOperator<S3Config.Builder> config) throws Exception {
        unmount();
        mount(config, cluster.credentials());
    }

    /** Mounts again with other credentials (the bucket's own client keeps the right ones). */
    void remountWith(AwsCredentialsProvider credentials) throws Exception {
        unmount();
        mount(c -> c.timeout(Duration.ofSeconds(4)), credentials);
    }

    Path spillDirectory() {
        return spill;
    }

    S3FileSystem fileSystem() {
        return fs;
    }

    Path path(String relative) {
        return mountpoint.resolve(relative);
    }

    /** Every key of the bucket with the MD5 of what a GET returns. */
    TreeMap<String, String> apiChecksums() throws IOException {
        TreeMap<String, String> sums = new TreeMap<>();
        for (String key : keys()) {
            try (InputStream in = api.getObject(b -> b.bucket(bucket).key(key))) {
                sums.put(key, md5(in));
            }
        }
        return sums;
    }

    List<String> keys() {
        List<String> keys = new ArrayList<>();
        for (var page : api.listObjectsV2Paginator(b -> b.bucket(bucket))) {
            for (S3Object o : page.contents()) {
                keys.add(o.key());
            }
        }
        return keys;
    }

    static String md5(InputStream in) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0; ) {
                md.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void unmount() throws Exception {
        if (mount != null) {
            mount.close();
            mount = null;
        }
        if (fs != null) {
            fs.close();
            fs = null;
        }
    }

    @Override
    public void close() throws Exception {
        try {
            unmount();
        } finally {
            try {
                for (String key : keys()) {
                    api.deleteObject(b -> b.bucket(bucket).key(key));
                }
                api.deleteBucket(b -> b.bucket(bucket));
            } catch (RuntimeException e) {
                System.err.println("S3Mount: cannot remove bucket " + bucket + ": " + e);
            }
            api.close();
            Files.deleteIfExists(mountpoint);
            if (spill != null) {
                try (var all = Files.walk(spill)) {
                    for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    static Duration seconds(double s) {
        return Duration.ofMillis((long) (s * 1000));
    }
}
