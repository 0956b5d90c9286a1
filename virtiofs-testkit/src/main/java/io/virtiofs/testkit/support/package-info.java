/**
 * Support for tests: seeds ({@code -Dvirtiofs.seed}), time-bounded fuzz runs, a watch for ERROR
 * log lines, and prerequisites that skip a test, or fail it under {@code CI=true}.
 */
@NullMarked
package io.virtiofs.testkit.support;

import org.jspecify.annotations.NullMarked;
