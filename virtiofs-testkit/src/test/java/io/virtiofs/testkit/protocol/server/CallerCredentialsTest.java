package io.virtiofs.testkit.protocol.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtiofs.api.AttrReply;
import io.virtiofs.api.Context;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What the transport tells the server about its callers reaches the file system's
 * {@link Context}: whether the driver checked permissions, and supplementary groups looked up
 * (once per request, only when asked) where the request carries none.
 */
class CallerCredentialsTest {

    private static final class Probe extends TestFileSystem {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public AttrReply getattr(Context ctx, long nodeid) {
            seen.add("checked=" + ctx.permissionsCheckedByDriver() + " in100=" + ctx.isInGroup(100) + " in5050="
                    + ctx.isInGroup(5050) + " in5051=" + ctx.isInGroup(5051) + " in7=" + ctx.isInGroup(7));
            return super.getattr(ctx, nodeid);
        }
    }

    private static List<String> getattrs(FuseServerConfig config, int pid) {
        Probe fs = new Probe();
        ServerDriver driver = new ServerDriver(new FuseServer(fs, config), WireOrder.LITTLE_ENDIAN);
        driver.init().assertOk();
        for (int i = 0; i < 2; i++) {
            driver.send(FuseMessage.of(Opcode.GETATTR, driver.nextUnique(), 1, new GetattrIn(0, 0))
                    .withCaller(1000, 100, pid)).assertOk();
        }
        return fs.seen;
    }

    @Test
    void groupsAreLookedUpOncePerRequestOnlyWhenTheRequestDoesNotSettleIt() {
        AtomicInteger lookups = new AtomicInteger();
        FuseServerConfig config = FuseServerConfig.builder().callerGroups(pid -> {
            lookups.incrementAndGet();
            return pid == 4242 ? new int[] {7, 5050} : new int[0];
        }).build();
        assertEquals(List.of("checked=false in100=true in5050=true in5051=false in7=true",
                "checked=false in100=true in5050=true in5051=false in7=true"), getattrs(config, 4242));
        assertEquals(2, lookups.get(), "one lookup per request");
        assertEquals(List.of("checked=false in100=true in5050=false in5051=false in7=false",
                "checked=false in100=true in5050=false in5051=false in7=false"), getattrs(config, 0));
        assertEquals(2, lookups.get(), "pid 0 (no caller) is never looked up");
    }

    @Test
    void withoutALookupOnlyTheRequestsGroupsCountAndTheDriversChecksAreReported() {
        assertEquals(List.of("checked=true in100=true in5050=false in5051=false in7=false",
                "checked=true in100=true in5050=false in5051=false in7=false"),
                getattrs(FuseServerConfig.builder().permissionsCheckedByDriver(true).build(), 4242));
    }
}
