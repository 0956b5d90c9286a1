package io.virtiofs.transport.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtiofs.transport.internal.nativeio.MountCalls;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MountArgumentsTest {

    @Test
    void theDefaultsMountNosuidNodevWithTheSessionAndOwner() {
        MountArguments arguments = MountArguments.of(FuseMountOptions.of(Path.of("/tmp/fs")), 7, 1000, 100);
        assertEquals(new MountArguments("virtiofs-java", "/tmp/fs", "fuse", MountCalls.MS_NOSUID | MountCalls.MS_NODEV,
                "fd=7,rootmode=40000,user_id=1000,group_id=100"), arguments);
    }

    @Test
    void everyOptionLandsInFlagsOrData() {
        FuseMountOptions options = FuseMountOptions.builder(Path.of("/mnt/memfs"))
                .options("fsname=memory,subtype=memfs,allow_other,default_permissions,max_read=131072")
                .options("ro,suid,dev,noexec,noatime,context=system_u:object_r:tmp_t:s0,rw,ro")
                .build();
        MountArguments arguments = MountArguments.of(options, 3, 0, 0);
        assertEquals(new MountArguments("memory", "/mnt/memfs", "fuse.memfs",
                MountCalls.MS_RDONLY | MountCalls.MS_NOEXEC | MountCalls.MS_NOATIME,
                "fd=3,rootmode=40000,user_id=0,group_id=0,default_permissions,allow_other,max_read=131072,"
                        + "context=system_u:object_r:tmp_t:s0"), arguments);
    }

    @Test
    void idsAreUnsigned() {
        MountArguments arguments = MountArguments.of(FuseMountOptions.of(Path.of("/tmp/fs")), 4, -2, -1);
        assertEquals("fd=4,rootmode=40000,user_id=4294967294,group_id=4294967295", arguments.data());
    }
}
