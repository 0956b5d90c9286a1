/**
 * Time-bounded, seeded fuzz runs: the budget and seed of a target, and a watch for ERROR log lines.
 */
@NullMarked
package io.virtiofs.testkit.fuzz;

import org.jspecify.annotations.NullMarked;
