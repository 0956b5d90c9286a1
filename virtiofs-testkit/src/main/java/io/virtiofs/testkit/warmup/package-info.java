/**
 * Warming the JIT before a guest comes: a throwaway in-process virtio-fs session shaped as a Linux
 * guest's ({@link io.virtiofs.testkit.warmup.GuestWarmUp}).
 */
@NullMarked
package io.virtiofs.testkit.warmup;

import org.jspecify.annotations.NullMarked;
