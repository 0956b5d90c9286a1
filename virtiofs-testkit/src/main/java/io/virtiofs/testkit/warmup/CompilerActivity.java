package io.virtiofs.testkit.warmup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The CPU time this JVM's JIT compiler threads have used so far, from Linux's per-thread
 * accounting ({@code /proc/self/task/TID/stat} of the threads named "C1 CompilerThre..." and
 * "C2 CompilerThre..."). Unlike the compilation time of {@code CompilationMXBean}, which grows only
 * when a compilation ends, it shows a long C2 compilation while it runs.
 */
final class CompilerActivity {

    private static final Path TASKS = Path.of("/proc/self/task");
    private static final long NANOS_PER_TICK = 10_000_000L; // USER_HZ is 100 on Linux

    private CompilerActivity() {
    }

    /** The compiler threads' CPU time in nanoseconds, or empty where /proc has no such threads. */
    static OptionalLong cpuNanos() {
        long ticks = 0;
        boolean any = false;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII);
                } catch (IOException gone) {
                    continue; // the thread ended meanwhile
                }
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                if (open < 0 || close < open) {
                    continue;
                }
                String name = stat.substring(open + 1, close);
                if (!name.startsWith("C1 CompilerThre") && !name.startsWith("C2 CompilerThre")) {
                    continue;
                }
                // After "(comm) ": state is field 3; utime and stime are fields 14 and 15.
                String[] fields = stat.substring(close + 2).split(" ");
                if (fields.length > 12) {
                    ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                    any = true;
                }
            }
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
        return any ? OptionalLong.of(ticks * NANOS_PER_TICK) : OptionalLong.empty();
    }
}
