package io.virtiofs.testkit.contract;

import io.virtiofs.testkit.support.Seeds;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Seeded random operation sequences (create, mkdir, write, truncate, unlink, rmdir, rename with
 * flags, link, symlink) checked against {@link FsModel}. Each seed is a dynamic test whose
 * failure names the seed; {@code -Dvirtiofs.seed=N} runs only seed N (and
 * {@code -Dvirtiofs.modelSteps=K} changes the number of steps).
 */
public interface ModelContract extends ContractSupport {

    @TestFactory
    default Stream<DynamicTest> randomOperationsMatchTheModel() {
        int steps = Integer.getInteger("virtiofs.modelSteps", 3000);
        LongStream seeds = Seeds.of(1, 2, 3, 0xC0FFEE);
        return seeds.mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed,
                () -> new ModelRun(seed, newFileSystem(ContractSetup.standard())).run(steps)));
    }
}
