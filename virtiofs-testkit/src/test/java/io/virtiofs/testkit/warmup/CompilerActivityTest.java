package io.virtiofs.testkit.warmup;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class CompilerActivityTest {

    @Test
    void theCompilerThreadsAreFoundAndTheirTimeOnlyGrows() {
        OptionalLong first = CompilerActivity.cpuNanos();
        assertTrue(first.isPresent(), "HotSpot on Linux names its JIT threads C1/C2 CompilerThread");
        assertTrue(CompilerActivity.cpuNanos().getAsLong() >= first.getAsLong());
    }
}
