package io.virtiofs.testkit.contract;

/**
 * The whole contract of the {@link io.virtiofs.api.FileSystem} SPI: POSIX semantics as seen
 * through SPI calls. A file system implementation tests itself with a short subclass that builds
 * it from a {@link ContractSetup} (capacity, block size, largest file, inodes, clock), as netty's
 * {@code AbstractByteBufTest} does for buffers.
 *
 * <p>The behaviours are grouped in interfaces with default test methods, one per area; this class
 * implements them all on the {@link ContractFixture}. A file system that implements less picks
 * the interfaces it meets on a {@link ContractFixture} of its own.
 */
public abstract class FileSystemContract extends ContractFixture implements NamespaceContract, RenameContract,
        FileDataContract, SparseAndCapacityContract, AttributeContract, PermissionContract, XattrContract,
        LockContract, DirectoryListingContract, LifecycleContract, ModelContract {
}
