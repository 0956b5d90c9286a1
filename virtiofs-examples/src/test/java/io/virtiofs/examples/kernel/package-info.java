/**
 * Kernel integration tests: memfs mounted in-process through the host kernel's FUSE client
 * ({@code /dev/fuse}) and exercised with real system calls on the mounted directory, from
 * {@code java.nio}, from standard tools run as child processes, and from small FFM downcalls where
 * Java has no call ({@link io.virtiofs.examples.kernel.LibC} and the {@code *Calls} classes).
 *
 * <p>Each test mounts a fresh memfs ({@link io.virtiofs.examples.kernel.MemFsMount}) in a fresh
 * directory under /tmp and unmounts it afterwards, whatever happened. Without root or
 * {@code /dev/fuse} the tests are skipped with the reason, unless {@code CI=true}, where they fail
 * ({@link io.virtiofs.examples.kernel.MountPrerequisites}).
 *
 * <p>Another caller than root is played by a thread that changes its own file-system identity
 * ({@link io.virtiofs.examples.kernel.Identity}: {@code setfsuid}, {@code setfsgid} and a
 * per-thread {@code setgroups}), or by a child process started through {@code setpriv}.
 */
@NullMarked
package io.virtiofs.examples.kernel;

import org.jspecify.annotations.NullMarked;
