/** Tests of the ZIP example: the archives they serve, and the file system called directly. */
@NullMarked
package io.virtiofs.examples.zip;

import org.jspecify.annotations.NullMarked;
