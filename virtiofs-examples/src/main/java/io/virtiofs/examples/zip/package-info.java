/**
 * A ZIP archive served read-only, written on the node layer ({@link io.virtiofs.api.node}):
 * {@code bin/virtiofs mount --zip FILE MOUNTPOINT}, {@code bin/virtiofs serve --zip FILE ...}.
 */
@NullMarked
package io.virtiofs.examples.zip;

import org.jspecify.annotations.NullMarked;
