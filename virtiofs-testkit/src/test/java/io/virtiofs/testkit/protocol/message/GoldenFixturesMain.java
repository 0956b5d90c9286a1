package io.virtiofs.testkit.protocol.message;

import java.nio.file.Path;

/**
 * Writes the golden fixtures {@link GoldenFixtureTest} reads, from the struct layouts
 * {@code fuse_layout.c} prints when compiled against the kernel's header (gcc and
 * {@code /usr/include/linux/fuse.h} needed). A program, not a test:
 * {@code mvn -pl virtiofs-testkit -am process-test-classes -Pgolden-fixtures} runs it with the
 * fixtures directory of the test resources as its argument.
 */
public final class GoldenFixturesMain {

    private GoldenFixturesMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: GoldenFixturesMain DIRECTORY");
            System.exit(2);
        }
        GoldenFixtures.write(Path.of(args[0]), KernelLayoutTest.parse(KernelLayoutTest.runLayoutProgram()));
        System.out.println("golden fixtures written to " + args[0]);
    }
}
