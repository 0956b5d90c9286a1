package io.virtiofs.testkit.protocol.message;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.protocol.InHeader;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.FuseNotification;
import io.virtiofs.protocol.message.FuseReply;
import io.virtiofs.protocol.message.FuseRequest;
import io.virtiofs.protocol.message.RequestExtensions;
import io.virtiofs.testkit.wire.Notifications;
import io.virtiofs.testkit.wire.Requests;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden vectors: whole requests, replies and notifications in both byte orders (files under
 * {@code fixtures/}, derived from the kernel header's layouts by {@link KernelLayoutTest}) decode
 * to the values their members name, and those values encode to the same bytes.
 */
class GoldenFixtureTest {

    private static final Map<String, LayoutCase> CASES = KernelLayoutTest.cases().stream()
            .filter(c -> c.variant().isEmpty()).collect(Collectors.toMap(LayoutCase::layout, Function.identity()));

    @TestFactory
    List<DynamicTest> everyFixtureDecodesAndEncodesBack() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (GoldenFixtures.Family family : GoldenFixtures.Family.values()) {
            for (WireOrder order : WireOrder.values()) {
                List<GoldenFixtures.Fixture> fixtures = GoldenFixtures.read(family, order);
                Set<String> expectedNames = GoldenFixtures.casesOf(family).stream().map(LayoutCase::layout)
                        .collect(Collectors.toCollection(TreeSet::new));
                if (family == GoldenFixtures.Family.REQUESTS) {
                    expectedNames.add(GoldenFixtures.CREATE_WITH_EXTENSIONS);
                }
                tests.add(DynamicTest.dynamicTest(family.fileName(order) + " has a message per case", () ->
                        assertEquals(expectedNames, fixtures.stream().map(GoldenFixtures.Fixture::name)
                                .collect(Collectors.toCollection(TreeSet::new)))));
                for (GoldenFixtures.Fixture fixture : fixtures) {
                    tests.add(DynamicTest.dynamicTest(family.fileName(order) + " " + fixture.name(),
                            () -> check(family, fixture, order)));
                }
            }
        }
        return tests;
    }

    private static void check(GoldenFixtures.Family family, GoldenFixtures.Fixture fixture, WireOrder order) {
        WireFormat format = WireFormat.current(order);
        byte[] bytes = fixture.message().bytes(order);
        Layout header = fixture.header();
        Object body = CASES.get(fixture.bodyLayout()).build().apply(fixture.body());
        byte[] encoded = switch (family) {
            case REQUESTS -> {
                InHeader expectedHeader = new InHeader(header.i("len"), header.i("opcode"), header.l("unique"),
                        header.l("nodeid"), header.i("uid"), header.i("gid"), header.i("pid"),
                        header.i("total_extlen"));
                Layout ext = fixture.extensions();
                RequestExtensions extensions = ext.size() == 0 ? RequestExtensions.NONE
                        : (RequestExtensions) CASES.get("ext_both").build().apply(ext);
                FuseMessage expected = new FuseMessage(expectedHeader, (FuseRequest) body, extensions);
                FuseMessage decoded = FuseMessage.decode(Unpooled.wrappedBuffer(bytes), format);
                assertEquals(expected, decoded, "decoding " + fixture.name());
                yield Encoded.bytes(out -> Requests.encode(expected, out, format));
            }
            case REPLIES -> {
                ByteBuf in = Unpooled.wrappedBuffer(bytes);
                assertEquals(new OutHeader(bytes.length, 0, header.l("unique")), OutHeader.decode(in, format.order()));
                assertEquals(body, CASES.get(fixture.name()).decoder().apply(in, format), "decoding " + fixture.name());
                assertEquals(0, in.readableBytes());
                yield Encoded.bytes(out -> ((FuseReply) body).encodeMessage(out, format, header.l("unique")));
            }
            case NOTIFICATIONS -> {
                assertEquals(body, Notifications.decodeMessage(Unpooled.wrappedBuffer(bytes), format),
                        "decoding " + fixture.name());
                yield Encoded.bytes(out -> ((FuseNotification) body).encodeMessage(out, format));
            }
        };
        LayoutAssertions.assertBytes(fixture.message(), bytes, encoded, order + " encoding of " + fixture.name());
    }
}
