package io.virtiofs.s3.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.virtiofs.api.Errno;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Each way a store call fails, and the errno the caller gets for it. */
class StoreErrorsTest {

    private static S3Exception http(int status, String code) {
        return (S3Exception) S3Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build()).message(code).build();
    }

    @Test
    void serverAnswers() {
        assertEquals(Errno.EIO, StoreErrors.map("GET k", http(500, "InternalError")).errno());
        assertEquals(Errno.EIO, StoreErrors.map("GET k", http(503, "SlowDown")).errno());
        assertEquals(Errno.EACCES, StoreErrors.map("GET k", http(403, "InvalidAccessKeyId")).errno());
        assertEquals(Errno.EACCES, StoreErrors.map("GET k", http(403, "SignatureDoesNotMatch")).errno());
        assertEquals(Errno.ENOENT, StoreErrors.map("GET k", http(404, "NoSuchKey")).errno());
        assertEquals(Errno.ESTALE, StoreErrors.map("GET k", http(412, "PreconditionFailed")).errno());
        assertEquals("EIO: GET k: HTTP 503 SlowDown", StoreErrors.map("GET k", http(503, "SlowDown")).getMessage());
    }

    @Test
    void networkAndTimeouts() {
        assertEquals(Errno.ETIMEDOUT, StoreErrors.map("PUT k", ApiCallTimeoutException.create(30_000)).errno());
        assertEquals(Errno.ETIMEDOUT, StoreErrors.map("PUT k",
                SdkClientException.create("read", new SocketTimeoutException("Read timed out"))).errno());
        assertEquals(Errno.EIO, StoreErrors.map("PUT k",
                SdkClientException.create("connect", new ConnectException("Connection refused"))).errno());
        assertEquals(Errno.EIO, StoreErrors.map("PUT k", new IllegalStateException("anything else")).errno());
    }

    @Test
    void wrappedFailuresAreUnwrappedAndKnownOnesKept() {
        StoreException known = new StoreException(Errno.ENOSPC, "full");
        assertSame(known, StoreErrors.map("x", new CompletionException(known)));
        assertEquals(Errno.EACCES, StoreErrors.map("x", new CompletionException(http(403, "AccessDenied"))).errno());
    }
}
