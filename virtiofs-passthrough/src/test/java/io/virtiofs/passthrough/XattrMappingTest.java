package io.virtiofs.passthrough;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The --xattrmap subset: the documented example, separators, scopes, errors. */
class XattrMappingTest {

    private static final String EXAMPLE = """
            :prefix:all:trusted.:user.virtiofs.:
            :prefix:all:security.:user.virtiofs.:
            :bad:server::trusted.:
            :bad:server::security.:
            :bad:client:user.virtiofs.::
            :ok:all:::
            """;

    @Test
    void theDocumentedMappingMovesPrivilegedNamespacesUnderUserVirtiofs() {
        XattrMapping map = XattrMapping.parse(EXAMPLE);
        assertEquals("user.virtiofs.trusted.overlay.opaque", map.toHost("trusted.overlay.opaque"));
        assertEquals("user.virtiofs.security.capability", map.toHost("security.capability"));
        assertEquals("user.mine", map.toHost("user.mine"));
        assertEquals(Errno.EPERM, assertThrows(ErrnoException.class, () -> map.toHost("user.virtiofs.x")).errno());
        assertEquals("trusted.overlay.opaque", map.toGuest("user.virtiofs.trusted.overlay.opaque"));
        assertEquals("security.capability", map.toGuest("user.virtiofs.security.capability"));
        assertEquals("user.mine", map.toGuest("user.mine"));
        assertNull(map.toGuest("trusted.host.only"));
        assertNull(map.toGuest("security.selinux"));
    }

    @Test
    void anySeparatorAndUnsupported() {
        XattrMapping map = XattrMapping.parse("/unsupported/client/system.//  |ok|all|||");
        assertEquals(Errno.EOPNOTSUPP, assertThrows(ErrnoException.class, () -> map.toHost("system.x")).errno());
        assertEquals("user.a", map.toHost("user.a"));
    }

    @Test
    void aNameNoRuleMatchesIsRefusedOrHidden() {
        XattrMapping map = XattrMapping.parse(":ok:client:user.::");
        assertEquals(Errno.EPERM, assertThrows(ErrnoException.class, () -> map.toHost("trusted.a")).errno());
        assertNull(map.toGuest("user.a"), "no server rule: hidden");
    }

    @Test
    void badMappingsSayWhichRuleAndWhy() {
        for (String bad : List.of("", ":prefix:all:trusted.", ":map:trusted.:user.:", ":nope:all:::", ":ok:both:::")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> XattrMapping.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("--xattrmap"), e.getMessage());
        }
    }
}
