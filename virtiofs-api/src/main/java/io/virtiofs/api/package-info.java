/**
 * The file system SPI: implement {@link io.virtiofs.api.FileSystem} to serve a file system over
 * virtio-fs or /dev/fuse.
 */
@NullMarked
package io.virtiofs.api;

import org.jspecify.annotations.NullMarked;
