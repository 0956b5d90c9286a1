package io.virtiofs.s3.store;

import io.virtiofs.api.Errno;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;

/** What errno a failed store call answers. */
final class StoreErrors {

    private StoreErrors() {
    }

    /** The failure of {@code what} as a {@link StoreException}. */
    static StoreException map(String what, Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof StoreException known) {
            return known;
        }
        return new StoreException(errnoOf(t), what + ": " + describe(t), t);
    }

    static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static Errno errnoOf(Throwable t) {
        if (t instanceof AwsServiceException service) {
            return switch (service.statusCode()) {
                case 401, 403 -> Errno.EACCES;
                case 404 -> Errno.ENOENT;
                case 412 -> Errno.ESTALE;
                case 408 -> Errno.ETIMEDOUT;
                default -> Errno.EIO;
            };
        }
        if (t instanceof ApiCallTimeoutException || t instanceof ApiCallAttemptTimeoutException) {
            return Errno.ETIMEDOUT;
        }
        if (t instanceof AbortedException || t instanceof CancellationException || t instanceof InterruptedException) {
            return Errno.EINTR;
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SocketTimeoutException) {
                return Errno.ETIMEDOUT;
            }
            if (c instanceof ConnectException) {
                return Errno.EIO;
            }
            if (c == c.getCause()) {
                break;
            }
        }
        return Errno.EIO;
    }

    private static String describe(Throwable t) {
        if (t instanceof AwsServiceException service) {
            String code = service.awsErrorDetails() != null ? service.awsErrorDetails().errorCode() : null;
            return "HTTP " + service.statusCode() + (code != null ? " " + code : "");
        }
        String message = t.getMessage();
        return t.getClass().getSimpleName() + (message != null ? ": " + message : "");
    }
}
