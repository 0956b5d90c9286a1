/**
 * The contract of the {@link io.virtiofs.api.FileSystem} SPI as JUnit 5 tests, for any
 * implementation: extend {@link io.virtiofs.testkit.contract.FileSystemContract} to check all of
 * it, or {@link io.virtiofs.testkit.contract.ContractFixture} with the contract interfaces an
 * implementation meets. {@link io.virtiofs.testkit.contract.Client} calls a file system as a
 * driver would, through the SPI alone.
 */
@NullMarked
package io.virtiofs.testkit.contract;

import org.jspecify.annotations.NullMarked;
