/**
 * The FUSE wire protocol (7.45, both byte orders): opcodes, headers, byte order and format.
 */
@NullMarked
package io.virtiofs.protocol;

import org.jspecify.annotations.NullMarked;
