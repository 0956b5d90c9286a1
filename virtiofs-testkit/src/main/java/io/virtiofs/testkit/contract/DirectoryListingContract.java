package io.virtiofs.testkit.contract;

import static io.virtiofs.testkit.contract.ContractSupport.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Entry;
import io.virtiofs.api.FileType;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.ReleaseRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** readdir and readdirplus: order, types, offsets that survive changes, and lookup counting. */
public interface DirectoryListingContract extends ContractSupport {

    /** One readdir entry as the sink saw it. */
    record Listed(long ino, long nextOffset, int type, String name) {
    }

    private List<Listed> readdirOnce(long dir, long offset, int max) {
        List<Listed> listed = new ArrayList<>();
        root().fs().readdir(root().ctx(), dir, 0, offset, (name, nextOffset, type, ino) -> {
            if (listed.size() == max) {
                return false;
            }
            listed.add(new Listed(ino, nextOffset, type == null ? 0 : type.direntType(), name.toString()));
            return true;
        });
        return listed;
    }

    @Test
    default void readdirGivesDotsFirstThenEveryNameWithItsType() {
        long dir = root().mkdir(rootId(), "d", 0755);
        long file = root().writeFile(dir, "file", utf8("x"));
        long sub = root().mkdir(dir, "sub", 0755);
        long link = root().symlink(dir, "link", "file");
        List<Listed> all = readdirOnce(dir, 0, 100);
        assertEquals(5, all.size(), all::toString);
        assertEquals(".", all.get(0).name());
        assertEquals(root().attr(dir).ino(), all.get(0).ino());
        assertEquals("..", all.get(1).name());
        assertEquals(root().attr(rootId()).ino(), all.get(1).ino());
        assertEquals(List.of(FileType.DIRECTORY.direntType(), FileType.DIRECTORY.direntType()),
                List.of(all.get(0).type(), all.get(1).type()));
        Set<Listed> rest = new HashSet<>();
        for (Listed listed : all.subList(2, 5)) {
            rest.add(new Listed(listed.ino(), 0, listed.type(), listed.name()));
        }
        assertEquals(Set.of(new Listed(root().attr(file).ino(), 0, FileType.REGULAR.direntType(), "file"),
                new Listed(root().attr(sub).ino(), 0, FileType.DIRECTORY.direntType(), "sub"),
                new Listed(root().attr(link).ino(), 0, FileType.SYMLINK.direntType(), "link")), rest);
        // Resuming from any entry's offset gives exactly what followed it.
        for (int i = 0; i < all.size(); i++) {
            assertEquals(all.subList(i + 1, all.size()), readdirOnce(dir, all.get(i).nextOffset(), 100));
        }
    }

    @Test
    default void tenThousandEntriesListCompletelyWhileTheDirectoryChanges() throws Exception {
        int initial = 10_000;
        long dir = root().mkdir(rootId(), "big", 0755);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < initial; i++) {
            String name = String.format("f%05d", i);
            names.add(name);
            root().mknod(dir, name, 0644, 0);
        }
        SplittableRandom random = new SplittableRandom(10_000);
        List<String> shuffled = new ArrayList<>(names);
        for (int i = shuffled.size() - 1; i > 0; i--) {
            java.util.Collections.swap(shuffled, i, random.nextInt(i + 1));
        }
        List<String> removedByMutator = shuffled.subList(0, 1500);
        List<String> removedByLister = shuffled.subList(1500, 3000);
        Set<String> added = new HashSet<>();

        CountDownLatch start = new CountDownLatch(1);
        Client mutator = root().as(TestContext.root());
        CompletableFuture<Void> concurrent = CompletableFuture.runAsync(() -> {
            try {
                start.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            for (int i = 0; i < removedByMutator.size(); i++) {
                mutator.unlink(dir, removedByMutator.get(i));
                mutator.mknod(dir, "m" + i, 0644, 0);
            }
        });
        List<String> listed = new ArrayList<>();
        long offset = 0;
        int calls = 0;
        start.countDown();
        while (true) {
            List<Listed> batch = readdirOnce(dir, offset, 7);
            if (batch.isEmpty()) {
                break;
            }
            for (Listed entry : batch) {
                if (!entry.name().equals(".") && !entry.name().equals("..")) {
                    listed.add(entry.name());
                }
            }
            offset = batch.getLast().nextOffset();
            if (calls < removedByLister.size()) {
                root().unlink(dir, removedByLister.get(calls));
                String name = "l" + calls;
                root().mknod(dir, name, 0644, 0);
                added.add(name);
            }
            calls++;
        }
        concurrent.get(60, TimeUnit.SECONDS);
        for (int i = 0; i < removedByMutator.size(); i++) {
            added.add("m" + i);
        }

        Set<String> unique = new HashSet<>(listed);
        assertEquals(listed.size(), unique.size(), "an entry was listed twice");
        Set<String> stayed = new HashSet<>(names);
        stayed.removeAll(removedByMutator);
        stayed.removeAll(removedByLister);
        Set<String> missing = new HashSet<>(stayed);
        missing.removeAll(unique);
        assertEquals(Set.of(), missing, "entries that stayed must all be listed");
        Set<String> unknown = new HashSet<>(unique);
        unknown.removeAll(names);
        unknown.removeAll(added);
        assertEquals(Set.of(), unknown, "only names that existed may be listed");
        assertEquals(initial, root().names(dir).size());
    }

    @Test
    default void readdirplusEntriesCountLookupsThatForgetBalances() {
        long dir = root().mkdir(rootId(), "d", 0755);
        List<Long> files = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            long node = root().writeFile(dir, name, utf8(name));
            root().forget(node, 1);
            files.add(node);
        }
        List<Entry> entries = new ArrayList<>();
        List<String> names = new ArrayList<>();
        root().fs().readdirplus(root().ctx(), dir, 0, 0, (name, nextOffset, entry) -> {
            entries.add(entry);
            names.add(name.toString());
            return true;
        });
        assertEquals(List.of(".", ".."), names.subList(0, 2));
        assertEquals(Set.of("a", "b", "c"), new HashSet<>(names.subList(2, 5)));
        for (int i = 2; i < 5; i++) {
            Entry entry = entries.get(i);
            assertEquals(root().attr(entry.nodeid()), entry.attr(), "readdirplus answers as lookup would");
        }
        long free = root().statfs().ffree();
        for (String name : List.of("a", "b", "c")) {
            root().unlink(dir, name);
        }
        assertEquals(free, root().statfs().ffree(), "each node is still remembered by the driver");
        for (long node : files) {
            root().forget(node, 1);
        }
        assertEquals(free + 3, root().statfs().ffree(), "forgetting the readdirplus lookups frees them");
    }

    @Test
    default void aRejectedReaddirplusEntryCountsNothing() {
        long dir = root().mkdir(rootId(), "d", 0755);
        long node = root().writeFile(dir, "only", utf8("x"));
        root().forget(node, 1);
        int[] calls = {0};
        root().fs().readdirplus(root().ctx(), dir, 0, 2, (name, nextOffset, entry) -> {
            calls[0]++;
            return false;
        });
        assertEquals(1, calls[0]);
        long free = root().statfs().ffree();
        root().unlink(dir, "only");
        assertEquals(free + 1, root().statfs().ffree(), "no lookup was counted, so unlink frees it");
        long fh = root().fs().opendir(root().ctx(), dir, OpenFlags.of(OpenFlags.O_RDONLY)).fh();
        assertTrue(readdirOnce(dir, 2, 10).isEmpty());
        root().fs().releasedir(root().ctx(), new ReleaseRequest(dir, fh, 0, 0, 0));
    }
}
