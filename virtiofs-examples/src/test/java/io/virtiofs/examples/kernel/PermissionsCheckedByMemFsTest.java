package io.virtiofs.examples.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtiofs.examples.memfs.MemFs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@link PermissionRules} with memfs checking permissions itself: no {@code default_permissions},
 * so the kernel passes every call through.
 */
class PermissionsCheckedByMemFsTest extends PermissionRules {

    @Override
    MemFsMount mountWithChecks() {
        return MemFsMount.mount(new MemFs(MemFsMount.config().checkPermissions(true).build()),
                options -> options.defaultPermissions(false));
    }

    /**
     * memfs knows a caller's supplementary groups only from the FUSE_EXT_GROUPS extension, which
     * the kernel sends when creating in a directory of one of them: enough to keep set-group-ID.
     */
    @Test
    void aSupplementaryGroupOfTheParentKeepsSetgidOnCreate() throws Exception {
        Path sgid = Files.createDirectory(shared.resolve("sgid"));
        PathCalls.chown(sgid, 0, STAFF);
        PathCalls.chmod(sgid, 02777);
        Identity.of(4004, 4004, STAFF).run(() -> Descriptor.open(sgid.resolve("file"),
                Descriptor.O_CREAT | Descriptor.O_WRONLY, 02750).close());
        assertEquals(02750, Statx.of(sgid.resolve("file")).permissions());
        assertOwner(4004, STAFF, sgid.resolve("file"));
    }
}
