/**
 * The store layer: every call that goes to the network returns a {@link
 * java.util.concurrent.CompletableFuture}, failed with a {@link io.virtiofs.s3.store.StoreException}
 * that carries the errno a file system answers.
 */
@NullMarked
package io.virtiofs.s3.store;

import org.jspecify.annotations.NullMarked;
