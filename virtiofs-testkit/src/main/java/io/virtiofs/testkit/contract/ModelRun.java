package io.virtiofs.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtiofs.api.Attr;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.FileType;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.RenameFlags;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * One seeded run of random operations applied to both a {@link FsModel} and the file system under
 * test, comparing every outcome (errno or success) and, regularly, the whole tree: names, node
 * identities, types, link counts, sizes, contents, symlink targets.
 */
final class ModelRun {

    private static final String[] NAMES = {"a", "b", "c", "d", "e"};

    private final long seed;
    private final SplittableRandom random;
    private final Client client;
    private final FsModel model = new FsModel(FileSystem.ROOT_ID);
    private int step;
    private String operation = "start";

    ModelRun(long seed, Client client) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.client = client;
    }

    void run(int steps) {
        try {
            for (step = 0; step < steps; step++) {
                stepOnce();
                if (step % 64 == 63) {
                    verifyTree();
                }
            }
            operation = "final check";
            verifyTree();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("model run failed: seed " + seed + " (replay with -Dvirtiofs.seed=" + seed
                    + "), step " + step + ", " + operation + ": " + e.getMessage(), e);
        }
    }

    private void stepOnce() {
        List<FsModel.Dir> dirs = model.directories();
        FsModel.Dir dir = dirs.get(random.nextInt(dirs.size()));
        String name = NAMES[random.nextInt(NAMES.length)];
        switch (random.nextInt(12)) {
            case 0, 1 -> createFile(dir, name);
            case 2 -> mkdir(dir, name);
            case 3, 4 -> write();
            case 5 -> truncate();
            case 6 -> {
                operation = "unlink " + name + " in " + dir.nodeid;
                expect(model.unlink(dir, name), () -> client.unlink(dir.nodeid, name));
            }
            case 7 -> {
                operation = "rmdir " + name + " in " + dir.nodeid;
                expect(model.rmdir(dir, name), () -> client.rmdir(dir.nodeid, name));
            }
            case 8, 9 -> rename(dir, name, dirs.get(random.nextInt(dirs.size())), NAMES[random.nextInt(NAMES.length)]);
            case 10 -> linkOrSymlink(dir, name);
            default -> {
                operation = "verify directory " + dir.nodeid;
                verifyDirectory(dir);
            }
        }
    }

    private void createFile(FsModel.Dir dir, String name) {
        operation = "create " + name + " in " + dir.nodeid;
        FsModel.File file = new FsModel.File();
        create(dir, name, file, () -> {
            Handle handle = client.create(dir.nodeid, name, 0644);
            client.release(handle);
            return handle.nodeid();
        });
    }

    private void mkdir(FsModel.Dir dir, String name) {
        operation = "mkdir " + name + " in " + dir.nodeid;
        create(dir, name, new FsModel.Dir(), () -> client.mkdir(dir.nodeid, name, 0755));
    }

    private void create(FsModel.Dir dir, String name, FsModel.Node node, LongSupplier action) {
        Errno expected = model.create(dir, name, node);
        long[] nodeid = {0};
        expect(expected, () -> nodeid[0] = action.getAsLong());
        if (expected == null) {
            node.nodeid = nodeid[0];
        }
    }

    private void write() {
        List<FsModel.File> files = model.files();
        if (files.isEmpty()) {
            return;
        }
        FsModel.File file = files.get(random.nextInt(files.size()));
        int offset = random.nextInt(6000);
        byte[] bytes = ContractSupport.randomBytes(random, 1 + random.nextInt(400));
        operation = "write " + bytes.length + " bytes at " + offset + " to " + file.nodeid;
        long fh = client.open(file.nodeid, OpenFlags.O_WRONLY);
        try {
            assertEquals(bytes.length, client.write(file.nodeid, fh, offset, bytes));
        } finally {
            client.release(file.nodeid, fh);
        }
        FsModel.write(file, offset, bytes);
    }

    private void truncate() {
        List<FsModel.File> files = model.files();
        if (files.isEmpty()) {
            return;
        }
        FsModel.File file = files.get(random.nextInt(files.size()));
        int size = random.nextInt(7000);
        operation = "truncate " + file.nodeid + " to " + size;
        client.setattr(file.nodeid, SetattrBuilder.setattr().size(size).build());
        FsModel.truncate(file, size);
    }

    private void rename(FsModel.Dir from, String oldName, FsModel.Dir to, String newName) {
        int[] choices = {0, 0, RenameFlags.NOREPLACE, RenameFlags.EXCHANGE};
        int flags = choices[random.nextInt(choices.length)];
        operation = "rename " + oldName + " in " + from.nodeid + " to " + newName + " in " + to.nodeid + " flags " + flags;
        expect(model.rename(from, oldName, to, newName, flags), () -> client.rename(from.nodeid, oldName, to.nodeid, newName, flags));
    }

    private void linkOrSymlink(FsModel.Dir dir, String name) {
        List<FsModel.File> files = model.files();
        if (files.isEmpty() || random.nextBoolean()) {
            String target = "target-" + random.nextInt(100);
            operation = "symlink " + name + " -> " + target + " in " + dir.nodeid;
            create(dir, name, new FsModel.Link(target), () -> client.symlink(dir.nodeid, name, target));
            return;
        }
        FsModel.File file = files.get(random.nextInt(files.size()));
        operation = "link " + file.nodeid + " as " + name + " in " + dir.nodeid;
        expect(model.link(file, dir, name), () -> client.link(file.nodeid, dir.nodeid, name));
    }

    private void expect(Errno expected, Runnable action) {
        Errno actual = null;
        try {
            action.run();
        } catch (ErrnoException e) {
            actual = e.errno();
        }
        assertEquals(expected, actual, "outcome");
    }

    private void verifyTree() {
        for (FsModel.Dir dir : model.directories()) {
            verifyDirectory(dir);
        }
    }

    private void verifyDirectory(FsModel.Dir dir) {
        assertEquals(FsModel.names(dir), client.names(dir.nodeid).stream().sorted().toList(), "names of " + dir.nodeid);
        assertEquals(model.nlink(dir), client.attr(dir.nodeid).nlink(), "nlink of directory " + dir.nodeid);
        for (Map.Entry<String, FsModel.Node> child : FsModel.entries(dir).entrySet()) {
            FsModel.Node node = child.getValue();
            Entry entry = client.lookup(dir.nodeid, child.getKey());
            assertEquals(node.nodeid, entry.nodeid(), "node of " + child.getKey());
            Attr attr = entry.attr();
            assertEquals(model.nlink(node), attr.nlink(), "nlink of " + child.getKey());
            switch (node) {
                case FsModel.Dir sub -> assertEquals(FileType.DIRECTORY, attr.type());
                case FsModel.File file -> {
                    assertEquals(FileType.REGULAR, attr.type());
                    assertEquals(file.data.length, attr.size(), "size of " + child.getKey());
                    assertArrayEquals(file.data, client.content(node.nodeid), "content of " + child.getKey());
                }
                case FsModel.Link link -> {
                    assertEquals(FileType.SYMLINK, attr.type());
                    assertEquals(link.target, new String(client.fs().readlink(client.ctx(), node.nodeid).toBytes(),
                            StandardCharsets.UTF_8));
                }
            }
        }
    }
}
