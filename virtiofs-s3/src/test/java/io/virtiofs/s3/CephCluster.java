package io.virtiofs.s3;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The real Ceph cluster the tests run against: the one named by the environment
 * ({@code VFJ_S3_ENDPOINT}, {@code VFJ_CEPH_DIR} and the AWS credentials, as
 * {@code harness/ceph/ceph.sh with} exports them: bin/test does so), or else one this JVM starts
 * with {@code harness/ceph/ceph.sh up} and stops when it exits. Without root or Ceph in the trixie
 * root the tests skip, or fail when {@code CI=true}.
 */
final class CephCluster {

    private static CephCluster instance;

    final URI endpoint;
    final String accessKey;
    final String secretKey;
    final Path dir;
    private final Path script;

    private CephCluster(URI endpoint, String accessKey, String secretKey, Path dir, Path script) {
        this.endpoint = endpoint;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.dir = dir;
        this.script = script;
    }

    static synchronized CephCluster get() {
        if (instance == null) {
            instance = start();
        }
        return instance;
    }

    private static Path repository() {
        Path here = Path.of("").toAbsolutePath();
        while (here != null && !Files.exists(here.resolve("harness/ceph/ceph.sh"))) {
            here = here.getParent();
        }
        if (here == null) {
            throw new IllegalStateException("no harness/ceph/ceph.sh above " + Path.of("").toAbsolutePath());
        }
        return here;
    }

    private static CephCluster start() {
        Path script = repository().resolve("harness/ceph/ceph.sh");
        String endpoint = System.getenv("VFJ_S3_ENDPOINT");
        String dir = System.getenv("VFJ_CEPH_DIR");
        if (endpoint != null && dir != null) {
            return new CephCluster(URI.create(endpoint), System.getenv("AWS_ACCESS_KEY_ID"),
                    System.getenv("AWS_SECRET_ACCESS_KEY"), Path.of(dir), script);
        }
        String root = Optional.ofNullable(System.getenv("VFJ_TRIXIE_ROOT")).orElse("/var/cache/virtiofs-java/trixie");
        if (!isRoot()) {
            require("starting Ceph needs root");
        }
        if (!Files.isExecutable(Path.of(root, "usr/bin/radosgw"))) {
            require("Ceph is not installed in " + root + " (harness/ceph/ceph.sh install)");
        }
        Path clusterDir = Path.of("/tmp", "vfj-s3-tests-" + ProcessHandle.current().pid());
        run(List.of(script.toString(), "up", clusterDir.toString()), Duration.ofMinutes(3));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                run(List.of(script.toString(), "down", clusterDir.toString()), Duration.ofMinutes(1));
            } catch (RuntimeException e) {
                System.err.println("CephCluster: stopping " + clusterDir + " failed: " + e);
            }
        }, "ceph-down"));
        Map<String, String> env = readEnv(clusterDir.resolve("env"));
        return new CephCluster(URI.create(env.get("VFJ_S3_ENDPOINT")), env.get("AWS_ACCESS_KEY_ID"),
                env.get("AWS_SECRET_ACCESS_KEY"), clusterDir, script);
    }

    private static void require(String missing) {
        if ("true".equals(System.getenv("CI"))) {
            fail("the S3 tests cannot run: " + missing + " (CI=true, so this fails instead of skipping)");
        }
        assumeTrue(false, missing + ": skipped");
    }

    private static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).anyMatch(l -> l.split("\\s+")[2].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }

    private static Map<String, String> readEnv(Path file) {
        Map<String, String> env = new HashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    env.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
        return env;
    }

    static String run(List<String> command, Duration limit) {
        try {
            Path log = Files.createTempFile("ceph-sh-", ".log");
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(command + " did not finish in " + limit + ": " + Files.readString(log));
            }
            String output = Files.readString(log);
            Files.delete(log);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(command + " exited " + p.exitValue() + ": " + output);
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException(command + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(command + " was interrupted", e);
        }
    }

    /** ceph.sh rgw-kill, rgw-start, rgw-stop or rgw-cont on this cluster. */
    void radosgw(String action) {
        run(List.of(script.toString(), "rgw-" + action, dir.toString()), Duration.ofMinutes(2));
    }

    StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
    }

    /** A plain S3 client of this cluster (the API the tests compare the mount with). */
    S3Client client() {
        return S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(credentials()).httpClientBuilder(Apache5HttpClient.builder())
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofMinutes(2)))
                .build();
    }
}
