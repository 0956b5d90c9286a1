package io.virtiofs.testkit.support;

import java.time.Duration;
import java.util.SplittableRandom;

/**
 * How long a fuzz target runs and from which seed: a few seconds on every build, longer with
 * {@code -Dvirtiofs.fuzz.seconds=N}; a fresh seed each run, or {@code -Dvirtiofs.seed=0x...} to
 * replay one ({@code -Dvirtiofs.fuzz.iterations=N} stops a replay after N inputs). The seed is
 * printed when the target starts and named in every failure.
 */
public final class FuzzBudget {

    public final String target;
    public final long seed;
    final long deadline;
    final long maxIterations;

    private FuzzBudget(String target, long seed, Duration budget, long maxIterations) {
        this.target = target;
        this.seed = seed;
        this.deadline = System.nanoTime() + budget.toNanos();
        this.maxIterations = maxIterations;
    }

    /** The budget of {@code target}: {@code defaultSeconds} unless the build asks for more. */
    public static FuzzBudget start(String target, int defaultSeconds) {
        long seed = Seeds.orFresh();
        int seconds = Integer.getInteger("virtiofs.fuzz.seconds", defaultSeconds);
        long iterations = Long.getLong("virtiofs.fuzz.iterations", Long.MAX_VALUE);
        FuzzBudget budget = new FuzzBudget(target, seed, Duration.ofSeconds(seconds), iterations);
        System.out.println("fuzz " + target + ": " + budget.describe() + ", " + seconds + " s");
        System.err.println("fuzz " + target + ": " + budget.describe() + ", " + seconds + " s");
        return budget;
    }

    /** Whether input number {@code iteration} is still within the budget. */
    public boolean more(long iteration) {
        return iteration < maxIterations && System.nanoTime() < deadline;
    }

    public SplittableRandom random() {
        return new SplittableRandom(seed);
    }

    public String describe() {
        return "seed 0x" + Long.toHexString(seed) + " (replay: " + Seeds.replayHint(seed) + ")";
    }

    /** A failure message naming the seed and the input. */
    public String at(long iteration, String what) {
        return "fuzz " + target + " " + describe() + ", input " + iteration + ": " + what;
    }
}
