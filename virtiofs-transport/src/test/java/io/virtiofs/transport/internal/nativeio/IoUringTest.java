package io.virtiofs.transport.internal.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.virtiofs.api.Errno;
import io.virtiofs.transport.internal.Prerequisites;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * {@link IoUring} against the kernel: reads of an eventfd submitted through the ring complete
 * with the counter and their user data, in order; the submission ring holds as many entries as
 * asked for and no more until they are submitted.
 */
class IoUringTest {

    private static IoUring ringOrSkip(int entries) throws NativeException {
        try {
            return IoUring.create(entries, IoUring.SETUP_SINGLE_ISSUER | IoUring.SETUP_DEFER_TASKRUN);
        } catch (NativeException e) {
            Prerequisites.require(e.errno() != Errno.ENOSYS && e.errno() != Errno.EPERM,
                    "io_uring is not available here (" + e.errno().name() + ")");
            throw e;
        }
    }

    @Test
    void eventfdReadsCompleteWithTheirCounterAndUserData() throws Exception {
        int first = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC);
        int second = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC);
        try (IoUring ring = ringOrSkip(4); Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(8, 8);
            MemorySegment b = arena.allocate(8, 8);
            IoUring.prepareRead(ring.nextEntry(), first, a.address(), 8, 11);
            IoUring.prepareRead(ring.nextEntry(), second, b.address(), 8, 22);
            assertEquals(2, ring.enter(0));
            assertEquals(0, ring.ready(), "nothing to read yet");
            EventFdCalls.write(second, 5);
            ring.enter(1);
            assertEquals(1, ring.ready());
            assertEquals(22, ring.completionData(0));
            assertEquals(8, ring.completionResult(0));
            assertEquals(5, b.get(ValueLayout.JAVA_LONG, 0));
            ring.consume(1);
            EventFdCalls.write(first, 7);
            ring.enter(1);
            assertEquals(1, ring.ready());
            assertEquals(11, ring.completionData(0));
            assertEquals(7, a.get(ValueLayout.JAVA_LONG, 0));
            ring.consume(1);
            assertEquals(0, ring.ready());
        } finally {
            FileCalls.close(first);
            FileCalls.close(second);
        }
    }

    @Test
    void theSubmissionRingHoldsItsEntriesUntilSubmitted() throws Exception {
        try (IoUring ring = ringOrSkip(2)) {
            assertNotNull(ring.nextEntry());
            assertNotNull(ring.nextEntry());
            assertNull(ring.nextEntry(), "a ring of 2 gave a third entry");
        }
    }

    @Test
    void aFailedReadCompletesWithMinusTheErrno() throws Exception {
        try (IoUring ring = ringOrSkip(2); Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(8, 8);
            IoUring.prepareRead(ring.nextEntry(), 1_000_000, buffer.address(), 8, 99);
            ring.enter(1);
            assertEquals(99, ring.completionData(0));
            assertEquals(-Errno.EBADF.code(), ring.completionResult(0));
            ring.consume(1);
        }
    }
}
