package io.virtiofs.examples.memfs;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The memory of file data for one memfs: chunks of the block size carved from large native slabs,
 * off the Java heap.
 *
 * <p><b>Why.</b> memfs used to keep each block in its own {@code byte[]}. Writing a fresh 512 MiB
 * file then allocated 131,072 arrays of 4 KiB in the young generation, and G1 copied every one of
 * them (to a survivor space, then to the old generation) and grew the heap in many pauses: through
 * /dev/fuse, {@code fio --rw=write --bs=1M --direct=1} into a new file ran at 1.0-1.4 GB/s with the
 * default heap, 1.8-3.2 GB/s with a pre-touched 4 GiB heap, against 5.7 GB/s for overwriting
 * existing chunks and 7.6 GB/s for tmpfs. Native slabs are never scanned or copied by the garbage
 * collector; the heap holds only one small {@link Chunk} object per block.
 *
 * <p><b>Slabs.</b> A slab is {@code slabBytes} of native memory (4 MiB, or one block when blocks
 * are larger) from its own {@link Arena#ofAuto() automatic arena}, viewed once as a
 * {@link ByteBuffer} and wrapped once as a netty {@link ByteBuf}; its chunks are consecutive
 * ranges of it (a {@link Chunk} object each, made the first time the range is handed out), and
 * copies are absolute bulk {@code ByteBuffer} transfers (memcpy) shared safely by all threads.
 * Fresh memory is zero (the arena clears it), so a chunk carved for the first time needs no
 * clearing. Native memory counts against {@code -XX:MaxDirectMemorySize} (by default the maximum
 * heap size); when a slab cannot be had (the JVM's {@link OutOfMemoryError}, or the slab limit
 * given to the constructor) {@link #allocate} answers null and the caller reports {@code ENOSPC}.
 *
 * <p><b>Ahead.</b> The store the memfs uses makes its next slab on a background thread whenever
 * it takes a new one into use, so a writer filling a large new file copies into memory that is
 * already there; it holds at most one such spare slab. fallocate has the slabs for the whole
 * range made at once ({@link #prepare}), so the writes that follow find their memory ready.
 *
 * <p><b>Free chunks</b> go on one free stack and are handed out again (last freed first) before
 * any new memory, with bytes outside the range the caller is about to write zeroed at that time
 * (not at free time: truncating or deleting a large file costs no memset). <b>Slabs are never
 * returned</b>: the store keeps the high-water mark of the chunks in use at once, rounded up to
 * whole slabs, which the capacity of the memfs bounds (plus at most one slab per thread that
 * found the store empty at the same moment). Returning them would not give memory back promptly
 * anyway: an automatic arena is freed only when the garbage collector notices it is unreachable,
 * which, with file data off the heap, can take long; meanwhile new slabs count against
 * {@code MaxDirectMemorySize} and the JVM answers a full reservation with {@code System.gc()}
 * and waits (measured: deleting and rewriting a 512 MiB file went from 2 GB/s to 0.4 GB/s).
 *
 * <p><b>Threads.</b> Thread-safe: one lock guards the free stack and the slabs being carved, held
 * for a few field updates per chunk; new slabs are allocated and cleared outside it. The bytes of a
 * chunk are guarded by the file that owns it (see {@link Chunk}). When the store becomes
 * unreachable (a memfs is dropped) all its memory goes with it; there is nothing to close.
 */
final class ChunkStore {

    /** The slab size for blocks of up to 4 MiB. */
    static final int DEFAULT_SLAB_BYTES = 4 << 20;
    private static final long SLAB_ALIGNMENT = 4096;

    private final int chunkSize;
    private final int slabBytes;
    private final long maxSlabs;
    private final boolean prepareAhead;
    private final ReentrantLock lock = new ReentrantLock();

    // Guarded by lock.
    /**
     * Freed chunks, a stack {@link #freeCount} deep (entries above it are stale); grows to the
     * most chunks ever free at once. Chunk objects live as long as the store, like their slabs.
     */
    private Chunk[] freeChunks = new Chunk[64];
    private int freeCount;
    /** Slabs with chunks never handed out, newest first (more than one only after a race). */
    private @Nullable Slab carvable;
    /** A slab made ahead, not yet carved (see {@link #prepareNextLocked}). */
    private @Nullable Slab spare;
    /** Whether a background thread is making {@link #spare}. */
    private boolean preparing;
    /** Chunks never handed out in the carvable slabs. */
    private long carvableChunks;
    /** Slabs held, plus slabs being made outside the lock. */
    private long slabs;
    private long chunksInUse;

    /**
     * A store of {@code chunkSize} chunks in slabs of 4 MiB (or one chunk, if larger), no limit,
     * preparing the next slab ahead.
     */
    ChunkStore(int chunkSize) {
        this(chunkSize, Math.max(DEFAULT_SLAB_BYTES, chunkSize), Long.MAX_VALUE, true);
    }

    /** A store as below that makes slabs only when a chunk is asked for. */
    ChunkStore(int chunkSize, int slabBytes, long maxSlabs) {
        this(chunkSize, slabBytes, maxSlabs, false);
    }

    /**
     * A store of {@code chunkSize} chunks in slabs of {@code slabBytes}, holding at most
     * {@code maxSlabs} slabs at once (beyond it {@link #allocate} answers null, as when native
     * memory runs out). With {@code prepareAhead}, each time a new slab is taken into use the
     * next one is made on a background thread (within the limit), so a writer that fills slabs
     * finds one ready.
     */
    ChunkStore(int chunkSize, int slabBytes, long maxSlabs, boolean prepareAhead) {
        if (chunkSize <= 0 || Integer.bitCount(chunkSize) != 1) {
            throw new IllegalArgumentException("chunk size " + chunkSize + " is not a power of two");
        }
        if (slabBytes < chunkSize || slabBytes % chunkSize != 0) {
            throw new IllegalArgumentException("slab size " + slabBytes + " is not a multiple of the chunk size " + chunkSize);
        }
        if (maxSlabs < 0) {
            throw new IllegalArgumentException("slab limit " + maxSlabs + " is negative");
        }
        this.chunkSize = chunkSize;
        this.slabBytes = slabBytes;
        this.maxSlabs = maxSlabs;
        this.prepareAhead = prepareAhead;
    }

    /** The size of every chunk, in bytes. */
    int chunkSize() {
        return chunkSize;
    }

    /**
     * A chunk whose bytes outside {@code [writeFrom, writeTo)} are zero; the bytes inside are
     * unspecified (the caller is about to overwrite them).
     *
     * @return the chunk, or null when no native memory can be had
     */
    @Nullable Chunk allocate(int writeFrom, int writeTo) {
        if (writeFrom < 0 || writeFrom > writeTo || writeTo > chunkSize) {
            throw new IllegalArgumentException("range [" + writeFrom + ", " + writeTo + ") is not inside a chunk of " + chunkSize);
        }
        Chunk chunk = take();
        if (chunk != null && chunk.reused) {
            chunk.zero(0, writeFrom);
            chunk.zero(writeTo, chunkSize);
        }
        return chunk;
    }

    /** A free chunk, a never used one, or one of a new slab; null when none can be had. */
    private @Nullable Chunk take() {
        lock.lock();
        try {
            if (freeCount > 0) {
                Chunk chunk = freeChunks[--freeCount];
                chunk.free = false;
                chunksInUse++;
                return chunk;
            }
            if (carvable != null) {
                return carveLocked(carvable);
            }
            if (spare != null) {
                Slab ready = spare;
                spare = null;
                return carveLocked(installLocked(ready));
            }
            if (slabs >= maxSlabs) {
                return null;
            }
            slabs++; // reserved for the slab made below, outside the lock
        } finally {
            lock.unlock();
        }
        Slab fresh = newReservedSlab();
        if (fresh == null) {
            return null;
        }
        lock.lock();
        try {
            return carveLocked(installLocked(fresh));
        } finally {
            lock.unlock();
        }
    }

    /**
     * The slab the caller reserved (counted in {@code slabs} under the lock), made outside the
     * lock; null, with the reservation given back, when the JVM has no native memory for it.
     */
    private @Nullable Slab newReservedSlab() {
        Slab fresh = newSlab();
        if (fresh == null) {
            lock.lock();
            try {
                slabs--;
            } finally {
                lock.unlock();
            }
        }
        return fresh;
    }

    /** Makes {@code slab} the first carvable one and has the next made ahead; returns it. */
    private Slab installLocked(Slab slab) {
        addCarvableLocked(slab);
        prepareNextLocked();
        return slab;
    }

    private void addCarvableLocked(Slab slab) {
        slab.nextCarvable = carvable;
        carvable = slab;
        carvableChunks += slab.chunks - slab.carved;
    }

    /**
     * Makes slabs now, on the calling thread, until {@code chunks} chunks can be handed out
     * without making one (free, never used, or in the slab made ahead), within the slab limit;
     * stops early, without an error, when memory runs out (the chunks are then made when written,
     * as without this call). For fallocate: as in tmpfs, the memory of an allocated range is
     * there before it is written, so writing it costs no page faults. Measured in a guest: fio
     * lays out its file with fallocate before its timed sequential writes, and tmpfs (behind the
     * C virtiofsd) filled the 512 MiB there, untimed, while memfs paid for it in the timed writes.
     */
    void prepare(long chunks) {
        while (true) {
            lock.lock();
            try {
                long ready = freeCount + carvableChunks + (spare == null ? 0 : spare.chunks);
                if (ready >= chunks || slabs >= maxSlabs) {
                    return;
                }
                slabs++; // reserved for the slab made below, outside the lock
            } finally {
                lock.unlock();
            }
            Slab fresh = newReservedSlab();
            if (fresh == null) {
                return;
            }
            lock.lock();
            try {
                addCarvableLocked(fresh);
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Starts making the next slab on a background thread, when this store prepares ahead and no
     * slab is ready or being made. Fresh native memory is slow to get (the arena clears it, and
     * every page faults in the first time: about 2.5 GB/s here, a third of a plain copy); made
     * ahead, it is not on a writer's path. The slab counts against the limit from now on.
     */
    private void prepareNextLocked() {
        if (!prepareAhead || preparing || spare != null || slabs >= maxSlabs) {
            return;
        }
        preparing = true;
        slabs++;
        Thread.ofVirtual().name("memfs-slab").start(() -> {
            Slab made = newSlab();
            lock.lock();
            try {
                preparing = false;
                if (made == null) {
                    slabs--;
                } else {
                    spare = made;
                }
            } finally {
                lock.unlock();
            }
        });
    }

    /** The next never used chunk of {@code slab}, the head of the carvable slabs. */
    private Chunk carveLocked(Slab slab) {
        int slot = slab.carved++;
        carvableChunks--;
        if (slab.carved == slab.chunks) {
            carvable = slab.nextCarvable;
            slab.nextCarvable = null;
        }
        chunksInUse++;
        return new Chunk(slab, slab.memory, slab.buffer, slot * chunkSize, chunkSize, slot);
    }

    /** A new slab, or null when the JVM has no native memory for it. */
    private @Nullable Slab newSlab() {
        try {
            ByteBuffer memory = Arena.ofAuto().allocate(slabBytes, SLAB_ALIGNMENT).asByteBuffer();
            return new Slab(memory, Unpooled.wrappedBuffer(memory.duplicate()), slabBytes / chunkSize);
        } catch (OutOfMemoryError e) {
            return null; // direct memory is limited by -XX:MaxDirectMemorySize: the write gets ENOSPC
        }
    }

    /**
     * Gives back a chunk from {@link #allocate}; its bytes may be handed out again. Its owner must
     * not touch it afterwards.
     *
     * @throws IllegalArgumentException for {@link Chunk#UNWRITTEN} or a chunk of another store
     * @throws IllegalStateException when the chunk is already free
     */
    void free(Chunk chunk) {
        Slab slab = chunk.slab;
        if (slab == null || slab.store != this) {
            throw new IllegalArgumentException(chunk + " is not from this store");
        }
        lock.lock();
        try {
            if (chunk.free) {
                throw new IllegalStateException(chunk + " is already free");
            }
            chunk.free = true;
            chunk.reused = true;
            if (freeCount == freeChunks.length) {
                freeChunks = Arrays.copyOf(freeChunks, freeCount * 2);
            }
            freeChunks[freeCount++] = chunk;
            chunksInUse--;
        } finally {
            lock.unlock();
        }
    }

    /** The slabs held now. */
    long slabCount() {
        lock.lock();
        try {
            return slabs;
        } finally {
            lock.unlock();
        }
    }

    /** Whether a slab is being made ahead right now (for tests). */
    boolean preparing() {
        lock.lock();
        try {
            return preparing;
        } finally {
            lock.unlock();
        }
    }

    /** The chunks handed out and not freed. */
    long chunksInUse() {
        lock.lock();
        try {
            return chunksInUse;
        } finally {
            lock.unlock();
        }
    }

    /** The native memory held now, in bytes. */
    long reservedBytes() {
        return slabCount() * slabBytes;
    }

    /** One native slab; its counters are guarded by the store's lock. */
    final class Slab {
        final ChunkStore store = ChunkStore.this;
        /** The slab's memory (the arena's segment lives as long as this buffer). */
        final ByteBuffer memory;
        /** The same memory as a netty buffer (see {@link Chunk} for how it may be used). */
        final ByteBuf buffer;
        /** How many chunks it holds. */
        final int chunks;
        /** How many of them were handed out at least once. */
        int carved;
        @Nullable Slab nextCarvable;

        Slab(ByteBuffer memory, ByteBuf buffer, int chunks) {
            this.memory = memory;
            this.buffer = buffer;
            this.chunks = chunks;
        }
    }
}
