package io.virtiofs.s3;

import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.s3.store.Listing;
import io.virtiofs.s3.store.ObjectInfo;
import io.virtiofs.s3.store.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Names over keys: what a path is (an object, a prefix with objects below it, a directory
 * marker), directory listings, and the changes to names (mkdir, rmdir, unlink, rename), each as
 * the store calls it takes.
 */
final class Namespace {

    /** The longest key S3 accepts, in bytes. */
    static final int MAX_KEY_BYTES = 1024;
    /** The largest object one CopyObject copies. */
    static final long MAX_COPY_BYTES = 5L << 30;
    private static final int PAGE = 1000;

    /** One name in a directory listing. */
    record Child(String name, boolean directory, @Nullable ObjectInfo info) {
    }

    private final S3Config config;
    private final ObjectStore store;
    private final NodeTable nodes;
    private final BlockCache cache;
    private final Instant started = Instant.now();

    Namespace(S3Config config, ObjectStore store, NodeTable nodes, BlockCache cache) {
        this.config = config;
        this.store = store;
        this.nodes = nodes;
        this.cache = cache;
    }

    /** The time directories show (S3 keeps none for prefixes). */
    Instant started() {
        return started;
    }

    String key(Node file) {
        return config.prefix() + file.path();
    }

    String dirKey(String path) {
        return path.isEmpty() ? config.prefix() : config.prefix() + path + "/";
    }

    /** A file name as the UTF-8 text S3 keys are made of. */
    String name(FileName name) {
        if (!name.isUtf8()) {
            throw new ErrnoException(Errno.EINVAL, "S3 keys are UTF-8; the name '" + name + "' is not");
        }
        return name.toString();
    }

    String childPath(Node parent, FileName name) {
        if (!parent.directory) {
            throw new ErrnoException(Errno.ENOTDIR, parent + " is not a directory");
        }
        String path = parent.child(name(name));
        if ((config.prefix() + path + "/").getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new ErrnoException(Errno.ENAMETOOLONG, "the key for '" + path + "' passes " + MAX_KEY_BYTES + " bytes");
        }
        return path;
    }

    boolean fresh(Node node) {
        return config.cache() != S3Config.CacheMode.NONE
                && System.nanoTime() - node.infoAt() < config.attrTimeout().toNanos();
    }

    /**
     * What {@code path} is now: a file (an object of that key), a directory (objects below
     * {@code path/}), or nothing. A key that is both shows as the file. Known nodes whose
     * information is fresh, or whose data is not uploaded yet, answer without a store call.
     */
    CompletableFuture<Optional<Node>> resolve(String path) {
        Node known = nodes.atPath(path);
        if (known != null && (fresh(known) || (!known.directory && known.holdsPending()))) {
            return CompletableFuture.completedFuture(Optional.of(known));
        }
        CompletableFuture<Optional<ObjectInfo>> head = store.head(config.prefix() + path);
        CompletableFuture<Listing> below = store.list(dirKey(path), Optional.empty(), 1);
        return head.thenCombine(below, (file, listing) -> {
            if (file.isPresent()) {
                Node node = nodes.obtain(path, false);
                node.info(file.get());
                return Optional.of(node);
            }
            if (!listing.objects().isEmpty() || !listing.commonPrefixes().isEmpty()) {
                Node node = nodes.obtain(path, true);
                node.info(new ObjectInfo(dirKey(path), 0, started, ""));
                return Optional.of(node);
            }
            return Optional.empty();
        });
    }

    /** Every name directly in the directory {@code dir}, in key order, with what the listing said. */
    CompletableFuture<List<Child>> list(Node dir) {
        String prefix = dirKey(dir.path());
        Map<String, Child> children = new LinkedHashMap<>();
        return listPages(prefix, Optional.empty(), children).thenApply(v -> {
            for (Node pending : nodes.pendingBelow(dir.path())) {
                String rest = dir.path().isEmpty() ? pending.path() : pending.path().substring(dir.path().length() + 1);
                if (!rest.contains("/")) {
                    children.putIfAbsent(rest, new Child(rest, false, null));
                }
            }
            return new ArrayList<>(children.values());
        });
    }

    private CompletableFuture<Void> listPages(String prefix, Optional<String> from, Map<String, Child> children) {
        return store.list(prefix, from, PAGE).thenCompose(page -> {
            for (ObjectInfo o : page.objects()) {
                String name = o.key().substring(prefix.length());
                if (usable(name)) {
                    children.put(name, new Child(name, false, o)); // a file wins over a prefix
                }
            }
            for (String p : page.commonPrefixes()) {
                String name = p.substring(prefix.length(), p.length() - 1);
                if (usable(name)) {
                    children.putIfAbsent(name, new Child(name, true, null));
                }
            }
            return page.continuation().isPresent()
                    ? listPages(prefix, page.continuation(), children) : CompletableFuture.completedFuture(null);
        });
    }

    /** Keys that cannot be names are left out: the marker itself, "a//b", ".", "..", too long. */
    private static boolean usable(String name) {
        return !name.isEmpty() && !name.contains("/") && !name.equals(".") && !name.equals("..")
                && name.getBytes(StandardCharsets.UTF_8).length <= FileName.MAX_LENGTH;
    }

    Node mkdir(Context ctx, String path) {
        if (Await.get(resolve(path), config.timeout(), ctx, "mkdir " + path).isPresent()) {
            throw new ErrnoException(Errno.EEXIST, path + " exists");
        }
        Await.get(store.put(dirKey(path), new byte[0]), config.timeout(), ctx, "mkdir " + path);
        Node node = nodes.obtain(path, true);
        node.info(new ObjectInfo(dirKey(path), 0, started, ""));
        return node;
    }

    Node existing(Context ctx, String path) {
        return Await.get(resolve(path), config.timeout(), ctx, "lookup " + path)
                .orElseThrow(() -> new ErrnoException(Errno.ENOENT, path + " does not exist"));
    }

    void unlink(Context ctx, String path) {
        Node node = existing(ctx, path);
        if (node.directory) {
            throw new ErrnoException(Errno.EISDIR, path + " is a directory");
        }
        synchronized (node) {
            node.unlinked = true;
        }
        Await.get(store.delete(key(node)), config.timeout(), ctx, "unlink " + path);
        cache.invalidate(key(node));
        node.invalidate();
        nodes.removePath(node);
    }

    void rmdir(Context ctx, String path) {
        Node node = existing(ctx, path);
        if (!node.directory) {
            throw new ErrnoException(Errno.ENOTDIR, path + " is not a directory");
        }
        if (path.isEmpty()) {
            throw new ErrnoException(Errno.EBUSY, "the root cannot be removed");
        }
        checkEmpty(ctx, path);
        Await.get(store.delete(dirKey(path)), config.timeout(), ctx, "rmdir " + path);
        node.invalidate();
        nodes.removePath(node);
    }

    private void checkEmpty(Context ctx, String path) {
        if (!nodes.pendingBelow(path).isEmpty()) {
            throw new ErrnoException(Errno.ENOTEMPTY, path + " holds files not uploaded yet");
        }
        String marker = dirKey(path);
        Listing below = Await.get(store.listAll(marker, Optional.empty(), 2), config.timeout(), ctx, "rmdir " + path);
        for (ObjectInfo o : below.objects()) {
            if (!o.key().equals(marker)) {
                throw new ErrnoException(Errno.ENOTEMPTY, path + " is not empty");
            }
        }
    }

    /**
     * Renames {@code from} to {@code to}: a file by copy and delete; a directory by copying and
     * deleting every object below it, or EXDEV when there are more than the configured limit (so
     * that {@code mv} copies through the mount instead). Neither is atomic.
     */
    void rename(Context ctx, String from, String to, boolean noReplace) {
        Node source = existing(ctx, from);
        Optional<Node> target = Await.get(resolve(to), config.timeout(), ctx, "rename to " + to);
        if (target.isPresent()) {
            Node t = target.get();
            if (t == source) {
                return;
            }
            if (noReplace) {
                throw new ErrnoException(Errno.EEXIST, to + " exists");
            }
            if (source.directory && !t.directory) {
                throw new ErrnoException(Errno.ENOTDIR, to + " is not a directory");
            }
            if (!source.directory && t.directory) {
                throw new ErrnoException(Errno.EISDIR, to + " is a directory");
            }
            if (t.directory) {
                checkEmpty(ctx, to);
            }
        }
        if (source.directory) {
            if ((to + "/").startsWith(from + "/")) {
                throw new ErrnoException(Errno.EINVAL, "cannot move " + from + " into itself");
            }
            renameDirectory(ctx, source, to);
        } else {
            renameFile(ctx, source, to);
        }
        target.ifPresent(t -> {
            synchronized (t) {
                t.unlinked = !t.directory; // its open handles must not upload over the new file
            }
            t.invalidate();
        });
    }

    private void renameFile(Context ctx, Node source, String to) {
        String oldKey = key(source);
        String newKey = config.prefix() + to;
        synchronized (source) {
            ObjectInfo info = source.info();
            boolean inStore = info != null && !info.etag().isEmpty();
            if (inStore) {
                if (info.size() > MAX_COPY_BYTES) {
                    throw new ErrnoException(Errno.EXDEV, "a single copy moves at most 5 GiB; " + source.path()
                            + " has " + info.size() + " bytes (mv copies it instead)");
                }
                Await.get(store.copy(oldKey, newKey), config.timeout(), ctx, "rename " + oldKey);
                Await.get(store.delete(oldKey), config.timeout(), ctx, "rename " + oldKey);
            }
            nodes.move(source, to);
            cache.invalidate(oldKey);
            cache.invalidate(newKey);
            source.invalidate();
        }
    }

    private void renameDirectory(Context ctx, Node source, String to) {
        String oldPrefix = dirKey(source.path());
        String newPrefix = dirKey(to);
        List<String> keys = new ArrayList<>();
        Optional<String> from = Optional.empty();
        do {
            Listing page = Await.get(store.listAll(oldPrefix, from, PAGE), config.timeout(), ctx, "rename " + oldPrefix);
            for (ObjectInfo o : page.objects()) {
                if (o.size() > MAX_COPY_BYTES) {
                    throw new ErrnoException(Errno.EXDEV, o.key() + " is larger than one copy moves (5 GiB)");
                }
                keys.add(o.key());
            }
            if (keys.size() > config.renameLimit()) {
                throw new ErrnoException(Errno.EXDEV, source.path() + " holds more than " + config.renameLimit()
                        + " objects (--s3-rename-limit); mv copies it instead");
            }
            from = page.continuation();
        } while (from.isPresent());
        long budget = config.timeout().toMillis() * (2 + keys.size() / config.uploadConcurrency());
        java.time.Duration limit = java.time.Duration.ofMillis(budget);
        Await.get(inLanes(keys, k -> store.copy(k, newPrefix + k.substring(oldPrefix.length())).thenApply(i -> null)),
                limit, ctx, "rename " + oldPrefix);
        Await.get(inLanes(keys, store::delete), limit, ctx, "rename " + oldPrefix);
        for (String k : keys) {
            cache.invalidate(k);
        }
        nodes.move(source, to);
        source.invalidate();
    }

    /** Runs {@code call} on every key, {@code uploadConcurrency} at a time. */
    private CompletableFuture<Void> inLanes(List<String> keys, Function<String, CompletableFuture<Void>> call) {
        AtomicInteger next = new AtomicInteger();
        int lanes = Math.max(1, Math.min(config.uploadConcurrency(), keys.size()));
        CompletableFuture<?>[] running = new CompletableFuture<?>[lanes];
        for (int i = 0; i < lanes; i++) {
            running[i] = lane(keys, call, next);
        }
        return CompletableFuture.allOf(running);
    }

    private static CompletableFuture<Void> lane(List<String> keys, Function<String, CompletableFuture<Void>> call,
                                                AtomicInteger next) {
        int i = next.getAndIncrement();
        if (i >= keys.size()) {
            return CompletableFuture.completedFuture(null);
        }
        return call.apply(keys.get(i)).thenCompose(v -> lane(keys, call, next));
    }
}
