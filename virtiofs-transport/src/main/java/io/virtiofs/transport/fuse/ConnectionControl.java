package io.virtiofs.transport.fuse;

import io.virtiofs.transport.internal.nativeio.MountCalls;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Optional;

/**
 * A FUSE connection's directory in the FUSE control file system ({@code fusectl}, Linux
 * {@code fs/fuse/control.c}): {@code /sys/fs/fuse/connections/N}, N being the connection's device
 * number. Writing anything to its {@code abort} file aborts the connection: queued and pending
 * requests fail, and every {@code read(2)} of the device, including one blocked waiting for a
 * request, returns {@code ENODEV}. That is how workers blocked in a read are stopped when the
 * mount is not unmounted by the kernel (a lazy detach of a busy mount, a covered mount, a failed
 * worker).
 *
 * @param directory the connection's directory
 */
record ConnectionControl(Path directory) {

    private static final System.Logger LOG = System.getLogger(ConnectionControl.class.getName());

    /** Where the control file system is mounted (systemd mounts it at boot; we do when it did not). */
    static final Path CONNECTIONS = Path.of("/sys/fs/fuse/connections");

    ConnectionControl {
        Objects.requireNonNull(directory, "directory");
    }

    /**
     * The control directory of the connection behind {@code mount}, mounting the control file
     * system first if it is not mounted; empty when it cannot be reached (no sysfs, no
     * permission, an old kernel).
     */
    static Optional<ConnectionControl> of(MountInfo mount) {
        if (!Files.isDirectory(CONNECTIONS)) {
            return Optional.empty();
        }
        ensureMounted();
        ConnectionControl control = new ConnectionControl(CONNECTIONS.resolve(Long.toString(mount.kernelDevice())));
        return Files.exists(control.abortFile()) ? Optional.of(control) : Optional.empty();
    }

    private static void ensureMounted() {
        try {
            boolean mounted = MountInfo.readAll().stream()
                    .anyMatch(m -> m.type().equals("fusectl") && m.mountPoint().equals(CONNECTIONS));
            if (!mounted) {
                MountCalls.mount("fusectl", CONNECTIONS.toString(), "fusectl", 0, "");
                LOG.log(Level.DEBUG, () -> "mounted the FUSE control file system on " + CONNECTIONS);
            }
        } catch (IOException e) { // NativeException too
            LOG.log(Level.DEBUG, "the FUSE control file system is not available", e);
        }
    }

    /** The file whose writing aborts the connection. */
    Path abortFile() {
        return directory.resolve("abort");
    }

    /**
     * Aborts the connection.
     *
     * @return true if it was aborted now; false if it was already gone (its directory vanished
     *     with it) or the write failed (logged)
     */
    boolean abort() {
        try (FileChannel file = FileChannel.open(abortFile(), StandardOpenOption.WRITE)) {
            file.write(ByteBuffer.wrap("1".getBytes(StandardCharsets.US_ASCII)));
            return true;
        } catch (NoSuchFileException gone) {
            return false;
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not abort the FUSE connection through " + abortFile(), e);
            return false;
        }
    }
}
