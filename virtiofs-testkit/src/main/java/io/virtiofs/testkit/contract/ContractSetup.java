package io.virtiofs.testkit.contract;

import java.util.Objects;

/**
 * What a contract test asks of the file system under test; a subclass of
 * {@link FileSystemContract} builds its file system from it.
 *
 * @param capacityBytes the space for file data
 * @param blockSize the allocation unit (also what statfs reports)
 * @param maxFileSize the largest file size
 * @param maxInodes the most nodes at once
 * @param clock where the file system takes its timestamps from
 */
public record ContractSetup(long capacityBytes, int blockSize, long maxFileSize, long maxInodes, TestClock clock) {

    public ContractSetup {
        Objects.requireNonNull(clock, "clock");
    }

    /** 256 MiB of 4 KiB blocks, 65536 inodes, files up to 2^62 bytes, a {@link TestClock#standard()} clock. */
    public static ContractSetup standard() {
        return new ContractSetup(256L << 20, 4096, 1L << 62, 65536, TestClock.standard());
    }

    public ContractSetup withCapacity(long bytes) {
        return new ContractSetup(bytes, blockSize, maxFileSize, maxInodes, clock);
    }

    public ContractSetup withMaxFileSize(long bytes) {
        return new ContractSetup(capacityBytes, blockSize, bytes, maxInodes, clock);
    }

    public ContractSetup withMaxInodes(long count) {
        return new ContractSetup(capacityBytes, blockSize, maxFileSize, count, clock);
    }
}
