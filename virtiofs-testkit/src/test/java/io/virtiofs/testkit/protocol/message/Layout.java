package io.virtiofs.testkit.protocol.message;

import io.virtiofs.api.FileName;
import io.virtiofs.protocol.WireOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;

/**
 * The bytes of one C struct (or of several concatenated as the driver sends them) with the offset,
 * size and kind of every member, as {@code fuse_layout.c} prints them: the reference the Java
 * codecs are checked against. The bytes are kept little-endian; {@link #bytes(WireOrder)} derives
 * the big-endian form by reversing each integer member in place, per its printed width, without
 * any codec of ours.
 */
final class Layout {

    /** What a member holds. */
    enum Kind {
        /** An integer of 1, 2, 4 or 8 bytes. */
        FIELD,
        /** Padding, zero. */
        PAD,
        /** A NUL-terminated string, the NUL counted in the size. */
        STR,
        /** Raw bytes. */
        DATA;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static Kind ofLabel(String label) {
            return valueOf(label.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /** One member. */
    record Member(Kind kind, String name, int offset, int size) {
    }

    private static final HexFormat HEX = HexFormat.of();

    private final String name;
    private final List<Member> members;
    private final byte[] littleEndian;

    Layout(String name, List<Member> members, byte[] littleEndian) {
        this.name = name;
        this.members = List.copyOf(members);
        this.littleEndian = littleEndian.clone();
        int end = 0;
        for (Member member : this.members) {
            if (member.offset() != end) {
                throw new IllegalArgumentException(name + ": member " + member.name() + " at " + member.offset()
                        + ", expected " + end + " (every byte must belong to a member)");
            }
            if (member.kind() == Kind.FIELD && (member.size() > 8 || Integer.bitCount(member.size()) != 1)) {
                throw new IllegalArgumentException(name + ": field " + member.name() + " of " + member.size() + " bytes");
            }
            end += member.size();
        }
        if (end != littleEndian.length) {
            throw new IllegalArgumentException(name + ": members cover " + end + " of " + littleEndian.length + " bytes");
        }
    }

    /**
     * Parses the layouts of {@code fuse_layout.c}'s output ("layout", member lines, "bytes", "end");
     * other lines are left to the caller.
     */
    static List<Layout> parseAll(List<String> lines) {
        List<Layout> layouts = new ArrayList<>();
        Iterator<String> it = lines.iterator();
        while (it.hasNext()) {
            String[] head = it.next().split(" ");
            if (!head[0].equals("layout")) {
                continue;
            }
            List<Member> members = new ArrayList<>();
            byte[] bytes = null;
            for (String line = it.next(); !line.equals("end"); line = it.next()) {
                String[] parts = line.split(" ");
                if (parts[0].equals("bytes")) {
                    bytes = parts.length > 1 ? HEX.parseHex(parts[1]) : new byte[0];
                } else {
                    members.add(new Member(Kind.ofLabel(parts[0]), parts[1], Integer.parseInt(parts[2]),
                            Integer.parseInt(parts[3])));
                }
            }
            if (bytes == null || bytes.length != Integer.parseInt(head[2])) {
                throw new IllegalArgumentException("layout " + head[1] + ": bytes missing or of the wrong size");
            }
            layouts.add(new Layout(head[1], members, bytes));
        }
        return layouts;
    }

    String name() {
        return name;
    }

    List<Member> members() {
        return members;
    }

    int size() {
        return littleEndian.length;
    }

    /** The bytes in {@code order}: big-endian reverses every integer member in place. */
    byte[] bytes(WireOrder order) {
        return convert(littleEndian, order);
    }

    /** Converts bytes of this layout between little-endian and {@code order} (the swap is its own inverse). */
    byte[] convert(byte[] bytes, WireOrder order) {
        byte[] result = bytes.clone();
        if (order == WireOrder.BIG_ENDIAN) {
            for (Member member : members) {
                if (member.kind() == Kind.FIELD) {
                    for (int i = 0; i < member.size(); i++) {
                        result[member.offset() + i] = bytes[member.offset() + member.size() - 1 - i];
                    }
                }
            }
        }
        return result;
    }

    Member member(String memberName) {
        for (Member member : members) {
            if (member.name().equals(memberName)) {
                return member;
            }
        }
        throw new IllegalArgumentException(name + " has no member " + memberName + ": " + members);
    }

    /** An integer member, unsigned, zero-extended to 64 bits. */
    long u(String memberName) {
        Member member = member(memberName);
        if (member.kind() != Kind.FIELD) {
            throw new IllegalArgumentException(name + "." + memberName + " is " + member.kind());
        }
        long value = 0;
        for (int i = member.size() - 1; i >= 0; i--) {
            value = value << 8 | (littleEndian[member.offset() + i] & 0xff);
        }
        return value;
    }

    /** A 64-bit member. */
    long l(String memberName) {
        return u(memberName);
    }

    /** A member of up to 32 bits, as Java's int. */
    int i(String memberName) {
        return (int) u(memberName);
    }

    /** A string member's bytes without the NUL, or a data member's bytes. */
    byte[] raw(String memberName) {
        Member member = member(memberName);
        int length = member.kind() == Kind.STR ? member.size() - 1 : member.size();
        return Arrays.copyOfRange(littleEndian, member.offset(), member.offset() + length);
    }

    FileName fileName(String memberName) {
        return FileName.of(raw(memberName));
    }

    String string(String memberName) {
        return new String(raw(memberName), StandardCharsets.UTF_8);
    }

    /** This layout with an integer member set to {@code value}. */
    Layout with(String memberName, long value) {
        Member member = member(memberName);
        byte[] bytes = littleEndian.clone();
        for (int i = 0; i < member.size(); i++) {
            bytes[member.offset() + i] = (byte) (value >>> (8 * i));
        }
        return new Layout(name, members, bytes);
    }

    /** The members whose names start with {@code prefix}, without it, as a layout of their own. */
    Layout part(String partName, String prefix) {
        List<Member> selected = new ArrayList<>();
        int start = -1;
        int end = -1;
        for (Member member : members) {
            if (member.name().startsWith(prefix)) {
                if (start < 0) {
                    start = member.offset();
                }
                selected.add(new Member(member.kind(), member.name().substring(prefix.length()),
                        member.offset() - start, member.size()));
                end = member.offset() + member.size();
            }
        }
        if (start < 0) {
            return new Layout(partName, List.of(), new byte[0]);
        }
        return new Layout(partName, selected, Arrays.copyOfRange(littleEndian, start, end));
    }

    /** Layouts one after the other, each member's name prefixed with its part's prefix. */
    static Layout concat(String name, List<String> prefixes, List<Layout> parts) {
        List<Member> members = new ArrayList<>();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int p = 0; p < parts.size(); p++) {
            Layout part = parts.get(p);
            int base = bytes.size();
            for (Member member : part.members) {
                members.add(new Member(member.kind(), prefixes.get(p) + member.name(), base + member.offset(),
                        member.size()));
            }
            bytes.writeBytes(part.littleEndian);
        }
        return new Layout(name, members, bytes.toByteArray());
    }

    /** The member at a byte offset, for messages about a mismatch. */
    String memberAt(int offset) {
        for (Member member : members) {
            if (offset >= member.offset() && offset < member.offset() + member.size()) {
                return member.kind().label() + " " + member.name() + " (offset " + member.offset() + ", "
                        + member.size() + " bytes)";
            }
        }
        return "no member (offset " + offset + " is past the end)";
    }

    /**
     * The layout as readable fixture lines in {@code order}: one member per line, its bytes in hex,
     * its kind and its name.
     */
    List<String> fixtureLines(WireOrder order) {
        byte[] bytes = bytes(order);
        List<String> lines = new ArrayList<>();
        for (Member member : members) {
            String hex = member.size() == 0 ? "-" : HEX.formatHex(bytes, member.offset(), member.offset() + member.size());
            lines.add(String.format("%-32s %-5s %s", hex, member.kind().label(), member.name()));
        }
        return lines;
    }

    /** Parses fixture lines written in {@code order} back into a layout. */
    static Layout parseFixture(String name, List<String> lines, WireOrder order) {
        List<Member> members = new ArrayList<>();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (String line : lines) {
            String[] parts = line.trim().split("\\s+");
            byte[] memberBytes = parts[0].equals("-") ? new byte[0] : HEX.parseHex(parts[0]);
            members.add(new Member(Kind.ofLabel(parts[1]), parts[2], bytes.size(), memberBytes.length));
            bytes.writeBytes(memberBytes);
        }
        Layout inOrder = new Layout(name, members, bytes.toByteArray());
        return new Layout(name, members, inOrder.convert(inOrder.littleEndian, order));
    }

    @Override
    public String toString() {
        return "Layout[" + name + ", " + littleEndian.length + " bytes]";
    }
}
