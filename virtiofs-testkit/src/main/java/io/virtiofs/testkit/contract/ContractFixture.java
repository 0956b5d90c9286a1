package io.virtiofs.testkit.contract;

import io.virtiofs.api.FileSystem;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The fixture of the contract: a fresh file system for every test, built by the subclass from a
 * {@link ContractSetup}, and destroyed after it. A file system that implements only part of the
 * SPI extends this class and implements the contract interfaces it meets, for example
 * {@code class MyFsTest extends ContractFixture implements NamespaceContract, FileDataContract};
 * one that implements all of it extends {@link FileSystemContract}.
 */
public abstract class ContractFixture implements ContractSupport {

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
