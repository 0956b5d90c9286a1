/**
 * Live migration of a FUSE session and its file system: the versioned, checksummed stream a
 * device's state travels in ({@link io.virtiofs.protocol.migration.StateWriter},
 * {@link io.virtiofs.protocol.migration.StateReader}) and what a transport asks of a request
 * handler that can migrate ({@link io.virtiofs.protocol.migration.DeviceState}).
 */
@NullMarked
package io.virtiofs.protocol.migration;

import org.jspecify.annotations.NullMarked;
