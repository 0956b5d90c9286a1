/**
 * The smallest useful file system: one read-only file. The README's example, compiled and tested.
 */
@NullMarked
package io.virtiofs.examples.hello;

import org.jspecify.annotations.NullMarked;
