package io.virtiofs.testkit.protocol.message;

import io.virtiofs.protocol.WireOrder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The golden fixtures: whole messages (header, body, extensions) in both byte orders, one member
 * per line, written from {@code fuse_layout.c}'s bytes by {@link KernelLayoutTest} and checked by
 * {@link GoldenFixtureTest} without a C compiler.
 */
final class GoldenFixtures {

    /** Which messages a fixture file holds. */
    enum Family {
        REQUESTS, REPLIES, NOTIFICATIONS;

        String fileName(WireOrder order) {
            return "fixtures/" + name().toLowerCase(Locale.ROOT) + (order == WireOrder.LITTLE_ENDIAN ? ".le" : ".be")
                    + ".txt";
        }
    }

    /** One message: its members are named {@code header.*}, {@code body.*} and {@code ext.*}. */
    record Fixture(String name, Layout message) {

        Layout header() {
            return message.part("header", "header.");
        }

        Layout body() {
            return message.part(name, "body.");
        }

        Layout extensions() {
            return message.part("ext", "ext.");
        }

        /** The layout of the body, without the "+extensions" suffix. */
        String bodyLayout() {
            int plus = name.indexOf('+');
            return plus < 0 ? name : name.substring(0, plus);
        }
    }

    /** The request that carries extensions in the fixtures: CREATE with a label and groups. */
    static final String CREATE_WITH_EXTENSIONS = "create+ext_both";

    private static final int UNIQUE_BASE = 0x1000;
    private static final int UID = 1000;
    private static final int GID = 1000;
    private static final int PID = 4242;

    private GoldenFixtures() {
    }

    static List<Fixture> messages(Family family, Map<String, Layout> layouts) {
        List<Fixture> fixtures = new ArrayList<>();
        int index = 0;
        for (LayoutCase c : casesOf(family)) {
            Layout body = layouts.get(c.layout());
            Layout header = switch (c.message()) {
                case LayoutCase.Request request -> requestHeader(layouts, request, body.size(), 0, index);
                case LayoutCase.Reply reply -> layouts.get("out_header").with("len", 16 + body.size())
                        .with("error", 0).with("unique", UNIQUE_BASE + index);
                case LayoutCase.Notification notification -> layouts.get("out_header")
                        .with("len", 16 + body.size()).with("error", notification.code().code()).with("unique", 0);
                case LayoutCase.NotAMessage none -> throw new IllegalStateException(c.layout());
            };
            fixtures.add(new Fixture(c.layout(), Layout.concat(c.layout(), List.of("header.", "body."),
                    List.of(header, body))));
            index++;
        }
        if (family == Family.REQUESTS) {
            Layout body = layouts.get("create");
            Layout ext = layouts.get("ext_both");
            LayoutCase.Request create = new LayoutCase.Request(io.virtiofs.protocol.Opcode.CREATE);
            Layout header = requestHeader(layouts, create, body.size(), ext.size(), index);
            fixtures.add(new Fixture(CREATE_WITH_EXTENSIONS, Layout.concat(CREATE_WITH_EXTENSIONS,
                    List.of("header.", "body.", "ext."), List.of(header, body, ext))));
        }
        return fixtures;
    }

    private static Layout requestHeader(Map<String, Layout> layouts, LayoutCase.Request request, int bodySize,
                                        int extensionsSize, int index) {
        return layouts.get("in_header").with("len", 40 + bodySize + extensionsSize)
                .with("opcode", request.opcode().code()).with("unique", UNIQUE_BASE + index)
                .with("nodeid", 1 + index).with("uid", UID).with("gid", GID).with("pid", PID)
                .with("total_extlen", extensionsSize / 8);
    }

    /** The cases whose layouts are message bodies of {@code family}. */
    static List<LayoutCase> casesOf(Family family) {
        List<LayoutCase> all = family == Family.REQUESTS ? RequestLayoutCases.all() : ReplyLayoutCases.all();
        return all.stream().filter(c -> c.variant().isEmpty()).filter(c -> switch (c.message()) {
            case LayoutCase.Request r -> family == Family.REQUESTS;
            case LayoutCase.Reply r -> family == Family.REPLIES;
            case LayoutCase.Notification n -> family == Family.NOTIFICATIONS;
            case LayoutCase.NotAMessage n -> false;
        }).toList();
    }

    static void write(Path dir, Map<String, Layout> layouts) throws IOException {
        Files.createDirectories(dir);
        for (Family family : Family.values()) {
            for (WireOrder order : WireOrder.values()) {
                List<String> lines = new ArrayList<>();
                lines.add("# FUSE 7.45 " + family.name().toLowerCase(Locale.ROOT) + ", " + order.name()
                        .toLowerCase(Locale.ROOT).replace('_', '-') + ": whole messages, one struct member per line");
                lines.add("# (its bytes in message order, its kind, its name). Written by GoldenFixturesMain from the");
                lines.add("# bytes fuse_layout.c prints (big-endian: each integer member reversed); regenerate with");
                lines.add("#   mvn -pl virtiofs-testkit -am process-test-classes -Pgolden-fixtures");
                for (Fixture fixture : messages(family, layouts)) {
                    lines.add("");
                    lines.add("message " + fixture.name());
                    lines.addAll(fixture.message().fixtureLines(order));
                    lines.add("end");
                }
                Path file = dir.resolve(Path.of(family.fileName(order)).getFileName());
                Files.write(file, lines, StandardCharsets.UTF_8);
            }
        }
    }

    static List<Fixture> read(Family family, WireOrder order) throws IOException {
        List<Fixture> fixtures = new ArrayList<>();
        try (InputStream in = GoldenFixtures.class.getResourceAsStream(family.fileName(order));
             BufferedReader reader = new BufferedReader(new InputStreamReader(
                     Objects.requireNonNull(in, family.fileName(order)), StandardCharsets.UTF_8))) {
            String name = null;
            List<String> lines = new ArrayList<>();
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                if (line.startsWith("message ")) {
                    name = line.substring("message ".length()).trim();
                    lines.clear();
                } else if (line.equals("end")) {
                    fixtures.add(new Fixture(Objects.requireNonNull(name), Layout.parseFixture(name, lines, order)));
                    name = null;
                } else {
                    lines.add(line);
                }
            }
        }
        return fixtures;
    }
}
