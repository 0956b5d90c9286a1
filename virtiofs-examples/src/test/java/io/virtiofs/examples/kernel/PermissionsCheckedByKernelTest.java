package io.virtiofs.examples.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtiofs.examples.memfs.MemFs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@link PermissionRules} with the kernel checking ({@code default_permissions}) and memfs trusting
 * it ({@code checkPermissions(false)}), as {@link io.virtiofs.examples.memfs.MemFsConfig} advises
 * for such a mount.
 */
class PermissionsCheckedByKernelTest extends PermissionRules {

    @Override
    MemFsMount mountWithChecks() {
        return MemFsMount.mount(new MemFs(MemFsMount.config().checkPermissions(false).build()),
                options -> options.defaultPermissions(true));
    }

    /** The kernel knows every supplementary group of the caller. */
    @Test
    void supplementaryGroupsGrantGroupAccessAndChgrp() throws Exception {
        Path file = fileOf(Identity.of(0, STAFF), "staff-only", 0640);
        PathCalls.chown(file, ALICE.uid(), STAFF);
        Identity aliceInStaff = Identity.of(ALICE.uid(), ALICE.gid(), STAFF);
        aliceInStaff.run(() -> {
            assertEquals("content of staff-only", Files.readString(file));
            PathCalls.chown(file, -1, ALICE.gid());
            PathCalls.chown(file, -1, STAFF);
        });
        assertOwner(ALICE.uid(), STAFF, file);
    }
}
