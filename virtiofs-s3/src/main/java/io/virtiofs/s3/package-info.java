/**
 * The S3 gateway file system: names from {@code /}-delimited keys, data through ranged GETs and
 * uploads on flush.
 */
@NullMarked
package io.virtiofs.s3;

import org.jspecify.annotations.NullMarked;
