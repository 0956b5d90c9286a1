package io.virtiofs.testkit.protocol.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.FileName;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.ForgetIn;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.message.NameIn;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The per-operation observer hears of every request finished: its operation, errno and latency. */
class RequestObserverTest {

    private record Seen(Opcode opcode, int errno, long nanos) {
    }

    @Test
    void everyFinishedRequestIsReportedWithItsErrnoAndLatency() {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        FuseServer server = new FuseServer(new TestFileSystem().withFile("hello", 5, "hi"),
                FuseServerConfig.builder().observer((opcode, errno, nanos) -> seen.add(new Seen(opcode, errno, nanos)))
                        .build());
        ServerDriver driver = new ServerDriver(server, WireOrder.LITTLE_ENDIAN);
        driver.init();
        driver.send(FuseMessage.of(Opcode.LOOKUP, driver.nextUnique(), 1, new NameIn(FileName.of("hello")))).assertOk();
        driver.send(FuseMessage.of(Opcode.LOOKUP, driver.nextUnique(), 1, new NameIn(FileName.of("nope"))));
        driver.send(FuseMessage.of(Opcode.FORGET, driver.nextUnique(), 5, new ForgetIn(1)));
        driver.send(FuseMessage.of(Opcode.GETATTR, driver.nextUnique(), 5, new GetattrIn(0, 0))).assertOk();
        assertEquals(List.of(Opcode.INIT, Opcode.LOOKUP, Opcode.LOOKUP, Opcode.FORGET, Opcode.GETATTR),
                seen.stream().map(Seen::opcode).toList());
        assertEquals(List.of(0, 0, 2, 0, 0), seen.stream().map(Seen::errno).toList(), "ENOENT is 2");
        assertTrue(seen.stream().allMatch(s -> s.nanos() >= 0), seen::toString);
    }

    @Test
    void anObserverThatThrowsCostsNothingButALogLine() {
        FuseServer server = new FuseServer(new TestFileSystem(),
                FuseServerConfig.defaults().withObserver((opcode, errno, nanos) -> {
                    throw new IllegalStateException("observer bug");
                }));
        ServerDriver driver = new ServerDriver(server, WireOrder.BIG_ENDIAN);
        driver.init().assertOk();
        driver.send(FuseMessage.of(Opcode.GETATTR, driver.nextUnique(), 1, new GetattrIn(0, 0))).assertOk();
    }
}
