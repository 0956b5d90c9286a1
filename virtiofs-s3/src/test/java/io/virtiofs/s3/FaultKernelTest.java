package io.virtiofs.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Errno;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The store failing under a mount: radosgw killed during a read and during an upload, radosgw
 * hanging (SIGSTOP), wrong credentials. The affected calls fail with an errno within the
 * configured timeout, the mount stays usable once the store is back, and nothing a close or an
 * fsync acknowledged is lost.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class FaultKernelTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(4);
    private static final int MIB = 1 << 20;

    private S3Mount m;

    @AfterEach
    void restore() throws Exception {
        CephCluster cluster = CephCluster.get();
        cluster.radosgw("cont");
        cluster.radosgw("start-if-down");
        if (m != null) {
            m.close();
        }
    }

    private S3Mount mount(String name) throws Exception {
        m = S3Mount.create(name, c -> c.timeout(TIMEOUT).readAheadBlocks(2).cacheBytes(4L * MIB));
        return m;
    }

    private static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new SplittableRandom(seed).nextBytes(data);
        return data;
    }

    @Test
    void radosgwKilledDuringAReadFailsTheReadThenTheMountReadsAgain() throws Exception {
        mount("fault-read");
        byte[] data = random(64 * MIB, 1);
        m.api.putObject(b -> b.bucket(m.bucket).key("big"), RequestBody.fromBytes(data));
        int fd = Posix.open(m.path("big"), Posix.O_RDONLY, 0);
        assertTrue(fd >= 0, "open: " + fd);
        byte[] buffer = new byte[MIB];
        assertEquals(MIB, Posix.read(fd, buffer, MIB));
        m.cluster.radosgw("kill");
        long started = System.nanoTime();
        long failure = 0;
        for (int i = 1; i < 64 && failure >= 0; i++) {
            failure = Posix.read(fd, buffer, MIB);
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        assertTrue(Set.of(-(long) Errno.EIO.code(), -(long) Errno.ETIMEDOUT.code()).contains(failure),
                "a read with radosgw gone answered " + failure);
        assertTrue(seconds <= 3 * TIMEOUT.toSeconds(), "the failing read took " + seconds + " s");
        Posix.close(fd);
        m.cluster.radosgw("start");
        // The same mount reads the whole object again, correctly.
        assertTrue(java.util.Arrays.equals(data, Files.readAllBytes(m.path("big"))), "the data read after the restart differ");
    }

    @Test
    void radosgwKilledDuringAnUploadFailsTheCloseAndLosesNothingAcknowledged() throws Exception {
        mount("fault-write");
        byte[] kept = random(3 * MIB, 2);
        Files.write(m.path("acknowledged"), kept); // close returned 0: it is in the store
        byte[] lost = random(40 * MIB, 3);
        int fd = Posix.open(m.path("in-flight"), Posix.O_CREAT | Posix.O_WRONLY | Posix.O_TRUNC, 0644);
        assertEquals(20 * MIB, Posix.write(fd, lost, 20 * MIB)); // early parts are uploading now
        m.cluster.radosgw("kill");
        byte[] rest = java.util.Arrays.copyOfRange(lost, 20 * MIB, lost.length);
        long written = Posix.write(fd, rest, rest.length);
        assertEquals(rest.length, written, "writes go to the spill file, not the store");
        long started = System.nanoTime();
        int closed = Posix.close(fd);
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        assertTrue(closed == -Errno.EIO.code() || closed == -Errno.ETIMEDOUT.code(),
                "close with radosgw gone answered " + closed);
        assertTrue(seconds <= 6 * TIMEOUT.toSeconds(), "the failing close took " + seconds + " s");
        // The release that followed could not upload either: the data is kept, not dropped.
        java.nio.file.Path unsaved = m.spillDirectory().resolve("unsaved");
        byte[] keptOnDisk = null;
        for (int i = 0; i < 100 && keptOnDisk == null; i++) {
            if (Files.isDirectory(unsaved)) {
                try (var files = Files.list(unsaved)) {
                    var file = files.filter(f -> f.getFileName().toString().startsWith("in-flight.")).findFirst();
                    if (file.isPresent()) {
                        keptOnDisk = Files.readAllBytes(file.get());
                    }
                }
            }
            if (keptOnDisk == null) {
                Thread.sleep(100);
            }
        }
        assertTrue(keptOnDisk != null && java.util.Arrays.equals(lost, keptOnDisk),
                "the data of the failed upload is not kept in " + unsaved);
        m.cluster.radosgw("start");
        // Acknowledged data is there; the mount works; the failed file can be written again.
        assertTrue(java.util.Arrays.equals(kept, m.api.getObjectAsBytes(b -> b.bucket(m.bucket).key("acknowledged")).asByteArray()));
        Files.write(m.path("in-flight"), lost);
        assertTrue(java.util.Arrays.equals(lost, m.api.getObjectAsBytes(b -> b.bucket(m.bucket).key("in-flight")).asByteArray()));
        assertTrue(java.util.Arrays.equals(kept, Files.readAllBytes(m.path("acknowledged"))));
    }

    @Test
    void aHangingStoreTimesOutAndTheQueueKeepsAnswering() throws Exception {
        mount("fault-hang");
        Files.writeString(m.path("before"), "x");
        m.cluster.radosgw("stop");
        long started = System.nanoTime();
        CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(() -> Posix.exists(m.path("never-looked-up")));
        Thread.sleep(500);
        // While that lookup waits on the store, a request that needs no store call is answered.
        long statfsStarted = System.nanoTime();
        long capacity = Files.getFileStore(m.mountpoint).getTotalSpace();
        long statfsMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - statfsStarted);
        assertEquals(1L << 40, capacity);
        assertTrue(statfsMillis < 1000, "statfs took " + statfsMillis + " ms while a lookup waited");
        assertTrue(!waiting.isDone(), "the lookup should still be waiting on the stopped store");
        int result = waiting.get(TIMEOUT.toSeconds() * 3, TimeUnit.SECONDS);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertEquals(-Errno.ETIMEDOUT.code(), result);
        assertTrue(millis <= TIMEOUT.toMillis() * 2 + 2000, "the lookup took " + millis + " ms");
        m.cluster.radosgw("cont");
        assertEquals("x", Files.readString(m.path("before")));
    }

    @Test
    void wrongCredentialsAreEacces() throws Exception {
        mount("fault-credentials");
        m.remountWith(StaticCredentialsProvider.create(AwsBasicCredentials.create("nobody", "wrong-secret")));
        assertEquals(-Errno.EACCES.code(), Posix.exists(m.path("anything")));
        // The driver looks the name up before it creates: refused too.
        assertEquals(-Errno.EACCES.code(), Posix.open(m.path("new"), Posix.O_CREAT | Posix.O_WRONLY, 0644));
        assertEquals(List.of(), m.keys());
    }
}
