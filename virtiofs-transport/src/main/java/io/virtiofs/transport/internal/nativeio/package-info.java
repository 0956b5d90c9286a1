/**
 * Every native (FFM) call of the library: Linux system calls as static method handles with errno capture. Internal: not exported.
 */
@NullMarked
package io.virtiofs.transport.internal.nativeio;

import org.jspecify.annotations.NullMarked;
