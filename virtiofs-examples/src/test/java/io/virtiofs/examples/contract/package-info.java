/**
 * The contract of the {@link io.virtiofs.api.FileSystem} SPI as JUnit 5 tests: extend
 * {@link io.virtiofs.examples.contract.FileSystemContract} to check an implementation.
 */
@NullMarked
package io.virtiofs.examples.contract;

import org.jspecify.annotations.NullMarked;
