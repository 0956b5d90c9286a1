/**
 * The driver side of virtqueues in process (like rust-vmm's mock.rs): lays out rings, submits FUSE requests and reaps replies, for tests and benchmarks.
 */
@NullMarked
package io.virtiofs.testkit.mock;

import org.jspecify.annotations.NullMarked;
