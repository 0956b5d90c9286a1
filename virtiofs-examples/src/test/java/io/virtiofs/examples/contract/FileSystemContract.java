package io.virtiofs.examples.contract;

import io.virtiofs.api.FileSystem;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The contract of the {@link FileSystem} SPI: POSIX semantics as seen through SPI calls. A file
 * system implementation tests itself with a short subclass that builds it from a
 * {@link ContractSetup} (capacity, block size, largest file, inodes, clock), as netty's
 * {@code AbstractByteBufTest} does for buffers.
 *
 * <p>The behaviours are grouped in interfaces with default test methods, one per area; this
 * class implements them all and provides the fixture: a fresh file system for every test.
 */
public abstract class FileSystemContract implements ContractSupport, NamespaceContract, RenameContract,
        FileDataContract, SparseAndCapacityContract, AttributeContract, PermissionContract, XattrContract,
        LockContract, DirectoryListingContract, LifecycleContract, ModelContract {

    private final List<FileSystem> created = new ArrayList<>();
    private TestClock clock;
    private FileSystem fs;
    private Client root;

    /** Builds the file system under test; it takes its timestamps from {@code setup.clock()}. */
    protected abstract FileSystem createFileSystem(ContractSetup setup);

    @BeforeEach
    final void setUpFileSystem() {
        ContractSetup setup = ContractSetup.standard();
        clock = setup.clock();
        root = newFileSystem(setup);
        fs = root.fs();
    }

    @AfterEach
    final void destroyFileSystems() {
        for (FileSystem each : created) {
            each.destroy();
        }
        created.clear();
    }

    @Override
    public final FileSystem fs() {
        return fs;
    }

    @Override
    public final Client root() {
        return root;
    }

    @Override
    public final TestClock clock() {
        return clock;
    }

    @Override
    public final Client newFileSystem(ContractSetup setup) {
        FileSystem made = createFileSystem(setup);
        created.add(made);
        return new Client(made, TestContext.root());
    }
}
