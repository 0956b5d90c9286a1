/**
 * memfs: a complete POSIX file system in memory, the reference implementation of the
 * {@link io.virtiofs.api.FileSystem} SPI.
 *
 * <p>Reading guide: {@link io.virtiofs.examples.memfs.MemFs} is the facade (one short method per
 * request) and says what is and is not implemented; {@link io.virtiofs.examples.memfs.MemFsConfig}
 * configures it. Behind it, each class does one thing: {@code Inode} and its four kinds hold a
 * node and publish its attributes; {@code Namespace}, {@code Rename} and {@code DirectoryListing}
 * handle names; {@code AttributeChange} is setattr; {@code FileIo} and {@code FileData} are
 * file contents, kept in {@code ChunkTable} (a file's blocks by index) as {@code Chunk}s of native
 * memory from a {@code ChunkStore} (off the Java heap); {@code LockTable} with {@code RecordLocks} and {@code FlockLocks} are locks;
 * {@code Xattrs} and {@code XattrNamespace} are extended attributes; {@code Permissions} and
 * {@code Ownership} are the POSIX rules; {@code InodeTable}, {@code OpenFiles} and
 * {@code IdTable} map the ids the driver holds; {@code Capacity} counts space.
 *
 * <p>The lock order, which keeps all this free of deadlocks, is documented on
 * {@code DirectoryInode}.
 */
@NullMarked
package io.virtiofs.examples.memfs;

import org.jspecify.annotations.NullMarked;
