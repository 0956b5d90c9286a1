/**
 * Guest memory: regions mapping guest-physical addresses to memory segments, bounds-checked, published as immutable snapshots.
 */
@NullMarked
package io.virtiofs.transport.memory;

import org.jspecify.annotations.NullMarked;
