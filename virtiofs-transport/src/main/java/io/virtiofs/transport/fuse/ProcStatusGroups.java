package io.virtiofs.transport.fuse;

import io.virtiofs.protocol.server.CallerGroups;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The supplementary groups of a /dev/fuse caller, from the {@code Groups:} line of
 * {@code /proc/PID/status}, as libfuse's {@code fuse_getgroups} reads them. The PID of a request
 * ({@code fuse_in_header.pid}) is the calling thread's id in the PID namespace of the mount, and
 * groups belong to threads, so {@code /proc/TID} (which Linux resolves for any thread) names the
 * right one, provided this process sees the same PID namespace. A caller that exited meanwhile,
 * or whose status cannot be read, has no supplementary groups.
 */
final class ProcStatusGroups implements CallerGroups {

    static final ProcStatusGroups INSTANCE = new ProcStatusGroups();
    private static final int[] NONE = new int[0];

    private ProcStatusGroups() {
    }

    @Override
    public int[] of(int pid) {
        if (pid <= 0) {
            return NONE;
        }
        String status;
        try {
            status = Files.readString(Path.of("/proc/" + pid + "/status"), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return NONE;
        }
        return parse(status);
    }

    /** The groups of a {@code /proc/PID/status} text's {@code Groups:} line. */
    static int[] parse(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("Groups:")) {
                String list = line.substring("Groups:".length()).trim();
                if (list.isEmpty()) {
                    return NONE;
                }
                try {
                    return Arrays.stream(list.split("\\s+")).mapToInt(g -> Integer.parseUnsignedInt(g)).toArray();
                } catch (NumberFormatException e) {
                    return NONE;
                }
            }
        }
        return NONE;
    }
}
