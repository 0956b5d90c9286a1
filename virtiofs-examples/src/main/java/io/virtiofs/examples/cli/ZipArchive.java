package io.virtiofs.examples.cli;

import io.virtiofs.api.FileSystem;
import io.virtiofs.examples.zip.ZipFs;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/** {@code --zip FILE}: the archive opened for serving, with a clear error when it cannot be. */
final class ZipArchive {

    private static final System.Logger LOG = System.getLogger(ZipArchive.class.getName());

    private ZipArchive() {
    }

    /** The archive's file system; the archive stays open for as long as the process runs. */
    static FileSystem open(Path archive, Duration entryValidity, Duration attrValidity) throws CommandFailure {
        ZipFs zip;
        try {
            zip = ZipFs.open(archive, entryValidity, attrValidity);
        } catch (NoSuchFileException e) {
            throw new CommandFailure("ZIP archive " + archive + " does not exist", e);
        } catch (IOException | RuntimeException e) {
            throw new CommandFailure("cannot serve " + archive + " as a ZIP archive: "
                    + (e.getMessage() != null ? e.getMessage() : e.toString()), e);
        }
        for (String warning : zip.warnings()) {
            LOG.log(Level.WARNING, () -> archive + ": " + warning);
        }
        return zip.fileSystem();
    }
}
