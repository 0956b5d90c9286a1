/**
 * An asynchronous file system for the transport tests ({@link io.virtiofs.examples.async.LaterFileSystem}):
 * requests completed later, on other threads, in any order, or held until released or cancelled.
 */
@NullMarked
package io.virtiofs.examples.async;

import org.jspecify.annotations.NullMarked;
