package io.virtiofs.examples.memfs;

import io.virtiofs.api.FileSystem;
import io.virtiofs.testkit.contract.ContractSetup;
import io.virtiofs.testkit.contract.FileSystemContract;

/** memfs against the {@link FileSystemContract}. */
class MemFsContractTest extends FileSystemContract {

    @Override
    protected FileSystem createFileSystem(ContractSetup setup) {
        return new MemFs(MemFsConfig.builder()
                .capacityBytes(setup.capacityBytes())
                .blockSize(setup.blockSize())
                .maxFileSize(setup.maxFileSize())
                .maxInodes(setup.maxInodes())
                .clock(setup.clock())
                .build());
    }
}
