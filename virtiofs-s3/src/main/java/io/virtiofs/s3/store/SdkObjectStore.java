package io.virtiofs.s3.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.SystemPropertyCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The {@link ObjectStore} on the AWS SDK for Java v2's synchronous S3 client (Apache HttpClient 5
 * underneath), each call on a virtual thread of its own: a call that waits on the network holds
 * no platform thread, and the futures complete as the responses arrive. Timeouts bound every call
 * (retries included), so no future waits forever on a store that stopped answering.
 *
 * <p>Credentials come from the AWS environment variables ({@code AWS_ACCESS_KEY_ID},
 * {@code AWS_SECRET_ACCESS_KEY}, {@code AWS_SESSION_TOKEN}), the matching system properties, or
 * the profile ({@code AWS_PROFILE}, {@code ~/.aws/credentials}); never from instance metadata.
 */
public final class SdkObjectStore implements ObjectStore {

    private static final System.Logger LOG = System.getLogger(SdkObjectStore.class.getName());

    /** How to reach the store. */
    public record Settings(URI endpoint, String bucket, String region, boolean pathStyle, Duration timeout,
                           int maxConnections) {
        public Settings {
            Objects.requireNonNull(endpoint, "endpoint");
            Objects.requireNonNull(bucket, "bucket");
            Objects.requireNonNull(region, "region");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the store timeout must be positive, not " + timeout);
            }
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections " + maxConnections + " is below 1");
            }
        }
    }

    private final S3Client client;
    private final String bucket;
    private final ExecutorService calls;

    public SdkObjectStore(Settings settings) {
        this(settings, defaultCredentials());
    }

    public SdkObjectStore(Settings settings, AwsCredentialsProvider credentials) {
        this.bucket = settings.bucket();
        Duration timeout = settings.timeout();
        this.client = S3Client.builder()
                .endpointOverride(settings.endpoint())
                .region(Region.of(settings.region()))
                .forcePathStyle(settings.pathStyle())
                .credentialsProvider(credentials)
                .httpClientBuilder(Apache5HttpClient.builder()
                        .maxConnections(settings.maxConnections())
                        .connectionTimeout(timeout)
                        .socketTimeout(timeout))
                .overrideConfiguration(o -> o.apiCallTimeout(timeout).apiCallAttemptTimeout(timeout))
                .build();
        this.calls = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("s3-call-", 0).factory());
    }

    /** Environment, system properties, then the profile: never the instance metadata service. */
    public static AwsCredentialsProvider defaultCredentials() {
        return AwsCredentialsProviderChain.of(EnvironmentVariableCredentialsProvider.create(),
                SystemPropertyCredentialsProvider.create(), ProfileCredentialsProvider.create());
    }

    private <T> CompletableFuture<T> call(String what, Supplier<T> body) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            long queued = System.nanoTime();
            calls.execute(() -> {
                long started = System.nanoTime();
                try {
                    result.complete(body.get());
                } catch (Throwable t) {
                    result.completeExceptionally(StoreErrors.map(what, t));
                }
                if (LOG.isLoggable(System.Logger.Level.TRACE)) {
                    long ended = System.nanoTime();
                    LOG.log(System.Logger.Level.TRACE, what + ": queued " + (started - queued) / 1000 + " us, took "
                            + (ended - started) / 1000 + " us" + (result.isCompletedExceptionally() ? " (failed)" : ""));
                }
            });
        } catch (RuntimeException e) {
            result.completeExceptionally(StoreErrors.map(what, e));
        }
        return result;
    }

    @Override
    public CompletableFuture<Optional<ObjectInfo>> head(String key) {
        return call("HEAD " + key, () -> {
            try {
                HeadObjectResponse r = client.headObject(b -> b.bucket(bucket).key(key));
                return Optional.of(info(key, r.contentLength(), r.lastModified(), r.eTag()));
            } catch (AwsServiceException e) {
                if (e.statusCode() == 404) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    @Override
    public CompletableFuture<Listing> list(String prefix, Optional<String> continuation, int maxKeys) {
        return call("LIST " + prefix, () -> listing(prefix, "/", continuation, maxKeys));
    }

    @Override
    public CompletableFuture<Listing> listAll(String prefix, Optional<String> continuation, int maxKeys) {
        return call("LIST " + prefix, () -> listing(prefix, null, continuation, maxKeys));
    }

    private Listing listing(String prefix, String delimiter, Optional<String> continuation, int maxKeys) {
        ListObjectsV2Request.Builder request = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix)
                .maxKeys(maxKeys);
        if (delimiter != null) {
            request.delimiter(delimiter);
        }
        continuation.ifPresent(request::continuationToken);
        ListObjectsV2Response r = client.listObjectsV2(request.build());
        List<ObjectInfo> objects = new ArrayList<>(r.contents().size());
        for (S3Object o : r.contents()) {
            objects.add(info(o.key(), o.size(), o.lastModified(), o.eTag()));
        }
        List<String> prefixes = new ArrayList<>(r.commonPrefixes().size());
        for (CommonPrefix p : r.commonPrefixes()) {
            prefixes.add(p.prefix());
        }
        String next = Boolean.TRUE.equals(r.isTruncated()) ? r.nextContinuationToken() : null;
        return new Listing(objects, prefixes, Optional.ofNullable(next));
    }

    @Override
    public CompletableFuture<byte[]> get(String key, long offset, int length, String etag) {
        if (length == 0) {
            return CompletableFuture.completedFuture(new byte[0]);
        }
        return call("GET " + key + " @" + offset, () -> {
            try {
                return client.getObjectAsBytes(b -> {
                    b.bucket(bucket).key(key).range("bytes=" + offset + "-" + (offset + length - 1));
                    if (!etag.isEmpty()) {
                        b.ifMatch(etag);
                    }
                }).asByteArrayUnsafe();
            } catch (AwsServiceException e) {
                if (e.statusCode() == 416) {
                    return new byte[0]; // the range starts at or past the end
                }
                throw e;
            }
        });
    }

    @Override
    public CompletableFuture<Void> getBlocks(String key, long offset, int blockSize,
                                             List<CompletableFuture<byte[]>> blocks, String etag) {
        long length = (long) blockSize * blocks.size();
        String what = "GET " + key + " @" + offset + "+" + length;
        CompletableFuture<Void> all = call(what, () -> {
            int done = 0;
            try (InputStream in = client.getObject(b -> {
                b.bucket(bucket).key(key).range("bytes=" + offset + "-" + (offset + length - 1));
                if (!etag.isEmpty()) {
                    b.ifMatch(etag);
                }
            })) {
                for (; done < blocks.size(); done++) {
                    byte[] block = in.readNBytes(blockSize);
                    blocks.get(done).complete(block);
                    if (block.length < blockSize) {
                        done++;
                        break; // the end of the object
                    }
                }
            } catch (AwsServiceException e) {
                if (e.statusCode() != 416) {
                    throw e;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (; done < blocks.size(); done++) {
                blocks.get(done).complete(new byte[0]);
            }
            return null;
        });
        return all.whenComplete((v, failure) -> {
            if (failure != null) {
                for (CompletableFuture<byte[]> block : blocks) {
                    block.completeExceptionally(failure);
                }
            }
        });
    }

    @Override
    public CompletableFuture<ObjectInfo> put(String key, byte[] data) {
        return call("PUT " + key, () -> {
            String etag = client.putObject(b -> b.bucket(bucket).key(key).contentLength((long) data.length),
                    RequestBody.fromBytes(data)).eTag();
            return info(key, data.length, Instant.now(), etag);
        });
    }

    @Override
    public CompletableFuture<ObjectInfo> put(String key, Path file, long length) {
        return call("PUT " + key, () -> {
            String etag = client.putObject(b -> b.bucket(bucket).key(key).contentLength(length),
                    fileRegion(file, 0, length)).eTag();
            return info(key, length, Instant.now(), etag);
        });
    }

    @Override
    public CompletableFuture<String> startMultipart(String key) {
        return call("CreateMultipartUpload " + key,
                () -> client.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId());
    }

    @Override
    public CompletableFuture<String> uploadPart(String key, String uploadId, int number, Path file, long offset,
                                                long length) {
        return call("UploadPart " + key + " #" + number, () -> client.uploadPart(
                b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(number).contentLength(length),
                fileRegion(file, offset, length)).eTag());
    }

    @Override
    public CompletableFuture<ObjectInfo> completeMultipart(String key, String uploadId, List<String> partEtags) {
        return call("CompleteMultipartUpload " + key, () -> {
            List<CompletedPart> parts = new ArrayList<>(partEtags.size());
            for (int i = 0; i < partEtags.size(); i++) {
                parts.add(CompletedPart.builder().partNumber(i + 1).eTag(partEtags.get(i)).build());
            }
            String etag = client.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts))).eTag();
            return info(key, -1, Instant.now(), etag);
        }).thenCompose(done -> head(key).thenApply(h -> h.orElse(
                new ObjectInfo(key, 0, done.lastModified(), done.etag()))));
    }

    @Override
    public CompletableFuture<Void> abortMultipart(String key, String uploadId) {
        return call("AbortMultipartUpload " + key, () -> {
            client.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
            return null;
        });
    }

    @Override
    public CompletableFuture<ObjectInfo> copy(String source, String target) {
        return call("COPY " + source + " to " + target, () -> {
            var r = client.copyObject(b -> b.sourceBucket(bucket).sourceKey(source)
                    .destinationBucket(bucket).destinationKey(target)).copyObjectResult();
            return info(target, -1, r.lastModified() != null ? r.lastModified() : Instant.now(), r.eTag());
        });
    }

    @Override
    public CompletableFuture<ObjectInfo> touch(String key) {
        return call("COPY " + key + " onto itself", () -> {
            var r = client.copyObject(b -> b.sourceBucket(bucket).sourceKey(key).destinationBucket(bucket)
                    .destinationKey(key).metadataDirective(MetadataDirective.REPLACE)).copyObjectResult();
            return info(key, -1, r.lastModified() != null ? r.lastModified() : Instant.now(), r.eTag());
        });
    }

    @Override
    public CompletableFuture<Void> delete(String key) {
        return call("DELETE " + key, () -> {
            client.deleteObject(b -> b.bucket(bucket).key(key));
            return null;
        });
    }

    @Override
    public void close() {
        calls.shutdownNow();
        client.close();
    }

    private static ObjectInfo info(String key, long size, Instant lastModified, String etag) {
        return new ObjectInfo(key, Math.max(0, size), lastModified != null ? lastModified : Instant.EPOCH,
                etag != null ? etag : "");
    }

    /** A request body of {@code length} bytes of {@code file} from {@code offset}, re-readable for retries. */
    private static RequestBody fileRegion(Path file, long offset, long length) {
        return RequestBody.fromContentProvider(() -> new RegionStream(file, offset, length), length,
                "application/octet-stream");
    }

    /** Reads a region of a file by positional reads: parts of one file upload in parallel. */
    private static final class RegionStream extends InputStream {
        private final FileChannel channel;
        private long position;
        private final long end;

        RegionStream(Path file, long offset, long length) {
            try {
                this.channel = FileChannel.open(file, StandardOpenOption.READ);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            this.position = offset;
            this.end = offset + length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (position >= end) {
                return -1;
            }
            int n = (int) Math.min(len, end - position);
            int read = channel.read(ByteBuffer.wrap(b, off, n), position);
            if (read < 0) {
                throw new IOException("the spill file ended at " + position + ", before " + end);
            }
            position += read;
            return read;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
