package io.virtiofs.examples.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import org.junit.jupiter.api.function.Executable;

/** Asserts that a system call failed with one exact errno. */
final class ErrnoAssert {

    private ErrnoAssert() {
    }

    /** Runs {@code call}, which must throw an {@link ErrnoException} with {@code expected}. */
    static ErrnoException assertErrno(Errno expected, Executable call) {
        ErrnoException thrown = assertThrows(ErrnoException.class, call, "expected " + expected.name());
        assertEquals(expected, thrown.errno(), thrown.getMessage());
        return thrown;
    }
}
