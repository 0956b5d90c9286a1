package io.virtiofs.passthrough;

import io.virtiofs.transport.internal.nativeio.CredentialCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * A caller other than root, played by a fresh platform thread of this JVM: it takes on the
 * effective uid, gid and supplementary groups (the raw system calls, which change only the
 * calling thread; its saved uid stays 0) and runs the body; the thread ends with the body. The
 * kernel takes a FUSE request's uid and gid from the thread's file-system ids, which follow the
 * effective ones, and checks permissions on the host the same way.
 */
record AsUser(int uid, int gid, int... groups) {

    <T> T call(Callable<T> body) throws Exception {
        FutureTask<T> task = new FutureTask<>(() -> {
            become();
            return body.call();
        });
        Thread thread = Thread.ofPlatform().name("as-uid-" + uid).start(task);
        try {
            return task.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        } finally {
            thread.join();
        }
    }

    private void become() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment list = arena.allocate(ValueLayout.JAVA_INT, Math.max(1, groups.length));
            for (int i = 0; i < groups.length; i++) {
                list.setAtIndex(ValueLayout.JAVA_INT, i, groups[i]);
            }
            CredentialCalls.setgroups(groups.length, list);
        }
        CredentialCalls.setresgid(-1, gid, -1);
        CredentialCalls.setresuid(-1, uid, -1);
    }

    @Override
    public String toString() {
        return "uid " + uid + " gid " + gid;
    }
}
