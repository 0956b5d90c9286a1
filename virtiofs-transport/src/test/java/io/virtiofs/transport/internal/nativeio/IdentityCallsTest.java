package io.virtiofs.transport.internal.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdentityCallsTest {

    @Test
    void idsMatchWhatProcShows() throws IOException {
        List<Integer> uids = idsOf("Uid:");
        List<Integer> gids = idsOf("Gid:");
        // /proc/self/status lists real, effective, saved and file system ids.
        assertEquals(List.of(uids.get(0), uids.get(1), gids.get(0), gids.get(1)),
                List.of(IdentityCalls.getuid(), IdentityCalls.geteuid(), IdentityCalls.getgid(), IdentityCalls.getegid()));
    }

    private static List<Integer> idsOf(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field)) {
                return Arrays.stream(line.substring(field.length()).trim().split("\\s+")).map(Integer::valueOf).toList();
            }
        }
        throw new AssertionError("no " + field + " line in /proc/self/status");
    }
}
