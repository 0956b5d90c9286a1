package io.virtiofs.api;

import java.util.Objects;

/**
 * An allocation, a punched hole or a zeroed range in an open file ({@code struct
 * fuse_fallocate_in}).
 *
 * @param nodeid the file
 * @param fh the open file's handle
 * @param offset where the range starts
 * @param length how many bytes
 * @param mode what to do with the range
 */
public record FallocateRequest(long nodeid, long fh, long offset, long length, FallocateMode mode) {

    public FallocateRequest {
        Objects.requireNonNull(mode, "mode");
    }
}
