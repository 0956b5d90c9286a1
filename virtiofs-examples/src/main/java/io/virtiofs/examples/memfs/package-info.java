/**
 * memfs: a complete POSIX file system in memory, the reference implementation of the
 * {@link io.virtiofs.api.FileSystem} SPI.
 */
@NullMarked
package io.virtiofs.examples.memfs;

import org.jspecify.annotations.NullMarked;
