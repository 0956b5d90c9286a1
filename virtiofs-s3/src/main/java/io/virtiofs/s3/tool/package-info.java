/** {@code virtiofs s3}: the S3 API alone, for tests (checksums as the API returns them) and benchmarks (the ceiling). */
@NullMarked
package io.virtiofs.s3.tool;

import org.jspecify.annotations.NullMarked;
