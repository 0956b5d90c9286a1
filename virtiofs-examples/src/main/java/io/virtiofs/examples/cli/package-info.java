/**
 * The {@code virtiofs} command line: {@code mount} (through /dev/fuse) and {@code serve}
 * (vhost-user).
 */
@NullMarked
package io.virtiofs.examples.cli;

import org.jspecify.annotations.NullMarked;
