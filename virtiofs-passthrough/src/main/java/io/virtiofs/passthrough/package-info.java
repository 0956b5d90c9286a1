/**
 * {@link io.virtiofs.passthrough.PassthroughFileSystem}: a host directory exported through the
 * FileSystem SPI (to a virtual machine over virtio-fs, or through /dev/fuse), with its
 * configuration ({@link io.virtiofs.passthrough.PassthroughConfig}), id translation and xattr name
 * mapping.
 */
@NullMarked
package io.virtiofs.passthrough;

import org.jspecify.annotations.NullMarked;
