package io.virtiofs.examples.kernel;

import io.virtiofs.examples.memfs.MemFs;

/**
 * {@link PermissionRules} as {@code bin/virtiofs mount} mounts by default: {@code default_permissions}
 * (the kernel checks, as in every virtio-fs guest) and memfs in its default configuration
 * ({@code checkPermissions(true)}), which trusts the checks the driver says it made
 * ({@link io.virtiofs.api.Context#permissionsCheckedByDriver()}) rather than repeat them without
 * the caller's supplementary groups.
 */
class PermissionsByDefaultTest extends PermissionRules {

    @Override
    MemFsMount mountWithChecks() {
        return MemFsMount.mount(new MemFs(MemFsMount.config().build()), options -> options.defaultPermissions(true));
    }
}
