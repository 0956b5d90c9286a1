package io.virtiofs.s3.tool;

import io.virtiofs.s3.store.SdkObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The S3 API alone, through the same SDK and HTTP client as the gateway: make and empty buckets,
 * put and get objects, print each object's MD5 as a GET returns it (tests compare a mount's
 * checksums with these), and the benchmark ceiling: a sequential write and read of one object in
 * 1 MiB pieces and a listing, timed, as an application using the SDK directly would do them.
 *
 * <p>The endpoint is {@code --endpoint URL} or {@code $VFJ_S3_ENDPOINT}; credentials come from
 * the AWS environment variables or profile.
 */
public final class S3Tool {

    private static final int MIB = 1 << 20;

    private final S3Client client;
    private final PrintStream out;

    private S3Tool(URI endpoint, PrintStream out) {
        String region = Optional.ofNullable(System.getenv("AWS_REGION")).orElse("us-east-1");
        System.setProperty("aws.disableEc2Metadata", "true");
        this.client = S3Client.builder().endpointOverride(endpoint).region(Region.of(region)).forcePathStyle(true)
                .credentialsProvider(SdkObjectStore.defaultCredentials())
                .httpClientBuilder(Apache5HttpClient.builder().maxConnections(64))
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofMinutes(5)))
                .build();
        this.out = out;
    }

    public static String usage() {
        return """
                usage: virtiofs s3 [--endpoint URL] COMMAND ARGS   (default URL: $VFJ_S3_ENDPOINT)
                  mb BUCKET                      make a bucket
                  rb BUCKET                      delete every object of a bucket, then the bucket
                  put BUCKET KEY FILE            upload a file
                  get BUCKET KEY FILE            download an object
                  rm BUCKET KEY                  delete an object
                  md5 BUCKET PREFIX              'MD5 KEY' of every object under PREFIX, as GET returns it
                  fill BUCKET PREFIX N BYTES     put N objects PREFIXnnnnnn of BYTES random bytes, 16 at a time
                  bench-write BUCKET KEY MIB     upload MIB MiB written 1 MiB at a time (multipart, 8 MiB
                                                 parts, 4 at a time, as the gateway uploads); prints MiB/s
                  bench-read BUCKET KEY          read the object in 1 MiB pieces from one GET; prints MiB/s
                  bench-list BUCKET PREFIX       list the names directly under PREFIX; prints names/s
                  (each bench-* runs once untimed first: the figures are a warm client's)
                """;
    }

    /** Runs {@code args}; returns the exit status. */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        List<String> rest = new ArrayList<>(args);
        String endpoint = System.getenv("VFJ_S3_ENDPOINT");
        if (rest.size() >= 2 && rest.get(0).equals("--endpoint")) {
            endpoint = rest.get(1);
            rest = rest.subList(2, rest.size());
        }
        if (rest.isEmpty() || endpoint == null) {
            err.print(usage());
            return 2;
        }
        S3Tool tool = new S3Tool(URI.create(endpoint), out);
        try {
            return tool.command(rest);
        } catch (IOException | RuntimeException e) {
            err.println("virtiofs s3: " + e);
            return 1;
        } finally {
            tool.client.close();
        }
    }

    private int command(List<String> a) throws IOException {
        String bucket = a.size() > 1 ? a.get(1) : "";
        switch (a.get(0) + "/" + a.size()) {
            case "mb/2" -> client.createBucket(b -> b.bucket(bucket));
            case "rb/2" -> {
                for (String key : keys(bucket, "")) {
                    client.deleteObject(b -> b.bucket(bucket).key(key));
                }
                client.deleteBucket(b -> b.bucket(bucket));
            }
            case "put/4" -> client.putObject(b -> b.bucket(bucket).key(a.get(2)), RequestBody.fromFile(Path.of(a.get(3))));
            case "get/4" -> {
                try (InputStream in = client.getObject(b -> b.bucket(bucket).key(a.get(2)))) {
                    Files.copy(in, Path.of(a.get(3)), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            case "rm/3" -> client.deleteObject(b -> b.bucket(bucket).key(a.get(2)));
            case "md5/3" -> {
                for (String key : keys(bucket, a.get(2))) {
                    out.println(md5(bucket, key) + "  " + key);
                }
            }
            case "fill/5" -> fill(bucket, a.get(2), Integer.parseInt(a.get(3)), Integer.parseInt(a.get(4)));
            case "bench-write/4" -> {
                // The first pass compiles the path (a long-running client is warm): untimed.
                benchWrite(bucket, a.get(2) + ".warm-up", Math.min(Integer.parseInt(a.get(3)), 128), false);
                client.deleteObject(b -> b.bucket(bucket).key(a.get(2) + ".warm-up"));
                benchWrite(bucket, a.get(2), Integer.parseInt(a.get(3)), true);
            }
            case "bench-read/3" -> {
                benchRead(bucket, a.get(2), false);
                benchRead(bucket, a.get(2), true);
            }
            case "bench-list/3" -> {
                benchList(bucket, a.get(2), false);
                benchList(bucket, a.get(2), true);
            }
            default -> {
                out.print(usage());
                return 2;
            }
        }
        return 0;
    }

    private List<String> keys(String bucket, String prefix) {
        List<String> keys = new ArrayList<>();
        for (ListObjectsV2Response page : client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix))) {
            for (S3Object o : page.contents()) {
                keys.add(o.key());
            }
        }
        return keys;
    }

    private String md5(String bucket, String key) throws IOException {
        MessageDigest md5;
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buffer = new byte[MIB];
        try (InputStream in = client.getObject(b -> b.bucket(bucket).key(key))) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                md5.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(md5.digest());
    }

    private void fill(String bucket, String prefix, int count, int bytes) {
        SplittableRandom random = new SplittableRandom(count);
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            List<Future<?>> puts = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                byte[] data = new byte[bytes];
                random.nextBytes(data);
                String key = prefix + String.format("%06d", i);
                puts.add(pool.submit(() -> client.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(data))));
            }
            for (Future<?> f : puts) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("fill failed: " + e, e);
        }
    }

    private void benchWrite(String bucket, String key, int mib, boolean print) {
        long partSize = 8L * MIB;
        byte[] data = new byte[MIB];
        new SplittableRandom(mib).nextBytes(data);
        long started = System.nanoTime();
        String id = client.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
        List<Future<String>> parts = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            byte[] part = new byte[(int) partSize];
            int filled = 0;
            for (int i = 0; i < mib; i++) {
                System.arraycopy(data, 0, part, filled, MIB); // the application's 1 MiB writes
                filled += MIB;
                if (filled == partSize || i == mib - 1) {
                    byte[] body = java.util.Arrays.copyOf(part, filled);
                    int number = parts.size() + 1;
                    parts.add(pool.submit(() -> client.uploadPart(b -> b.bucket(bucket).key(key).uploadId(id)
                            .partNumber(number), RequestBody.fromBytes(body)).eTag()));
                    filled = 0;
                }
            }
            List<CompletedPart> done = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) {
                done.add(CompletedPart.builder().partNumber(i + 1).eTag(parts.get(i).get()).build());
            }
            client.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id).multipartUpload(m -> m.parts(done)));
        } catch (Exception e) {
            client.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id));
            throw new IllegalStateException("bench-write failed: " + e, e);
        }
        if (print) {
            report("write", mib * (double) MIB, System.nanoTime() - started);
        }
    }

    private void benchRead(String bucket, String key, boolean print) throws IOException {
        long started = System.nanoTime();
        long total = 0;
        byte[] buffer = new byte[MIB];
        try (ResponseInputStream<GetObjectResponse> in = client.getObject(b -> b.bucket(bucket).key(key))) {
            while (true) {
                int n = in.readNBytes(buffer, 0, MIB);
                if (n <= 0) {
                    break;
                }
                total += n;
            }
        }
        if (print) {
            report("read", total, System.nanoTime() - started);
        }
    }

    private void benchList(String bucket, String prefix, boolean print) {
        long started = System.nanoTime();
        long names = 0;
        for (ListObjectsV2Response page : client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix).delimiter("/"))) {
            names += page.contents().size() + page.commonPrefixes().size();
        }
        long nanos = System.nanoTime() - started;
        if (!print) {
            return;
        }
        out.printf("RESULT list names=%d seconds=%.3f names_per_s=%.0f%n", names, nanos / 1e9, names / (nanos / 1e9));
    }

    private void report(String what, double bytes, long nanos) {
        out.printf("RESULT %s bytes=%.0f seconds=%.3f mib_per_s=%.1f%n", what, bytes, nanos / 1e9, bytes / MIB / (nanos / 1e9));
    }
}
