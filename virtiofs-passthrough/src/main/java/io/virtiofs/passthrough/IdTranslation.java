package io.virtiofs.passthrough;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How user (or group) ids translate between the guest and the host, without a user namespace:
 * virtiofsd's {@code --translate-uid} and {@code --translate-gid} rules.
 *
 * <p>Each rule is {@code TYPE:...} with decimal numbers:
 * <ul>
 *   <li>{@code map:GUEST:HOST:COUNT} guest ids {@code GUEST..GUEST+COUNT-1} are host ids
 *       {@code HOST..}, both ways;
 *   <li>{@code guest:GUEST:HOST:COUNT} the same, from guest to host only;
 *   <li>{@code host:HOST:GUEST:COUNT} host ids to guest ids only;
 *   <li>{@code squash-guest:GUEST:HOST:COUNT} every guest id of the range becomes host id HOST;
 *   <li>{@code squash-host:HOST:GUEST:COUNT} every host id of the range shows as guest id GUEST;
 *   <li>{@code forbid-guest:GUEST:COUNT} a guest id of the range may not reach the host: a
 *       request carried out as such a caller, or a chown to such an id, fails with EPERM.
 *       (virtiofsd refuses only creations and chowns and runs other requests as root; here every
 *       request runs as its caller, and a forbidden id has no host identity to run as.)
 * </ul>
 * The first rule that covers an id in the direction asked decides; an id no rule covers stays as
 * it is. Applied to attributes going out (host to guest) and to callers and chown going in.
 */
public final class IdTranslation {

    private static final long MAX_ID = 0xffff_ffffL;

    private enum Kind { MAP, GUEST, HOST, SQUASH_GUEST, SQUASH_HOST, FORBID_GUEST }

    private record Rule(Kind kind, long from, long to, long count) {

        boolean coversGuest(long id) {
            return kind != Kind.HOST && kind != Kind.SQUASH_HOST && id >= guestBase() && id - guestBase() < count;
        }

        boolean coversHost(long id) {
            return (kind == Kind.MAP || kind == Kind.HOST || kind == Kind.SQUASH_HOST)
                    && id >= hostBase() && id - hostBase() < count;
        }

        private long guestBase() {
            return from;
        }

        private long hostBase() {
            return kind == Kind.MAP ? to : from;
        }
    }

    private static final IdTranslation IDENTITY = new IdTranslation(List.of(), "");

    private final List<Rule> rules;
    private final String what;

    private IdTranslation(List<Rule> rules, String what) {
        this.rules = rules;
        this.what = what;
    }

    /** No translation: every id is the same on both sides. */
    public static IdTranslation identity() {
        return IDENTITY;
    }

    /**
     * Parses rules in virtiofsd's form (see the class description).
     *
     * @param what "uid" or "gid", for messages
     * @throws IllegalArgumentException naming the bad rule and why
     */
    public static IdTranslation parse(String what, List<String> specs) {
        if (specs.isEmpty()) {
            return IDENTITY;
        }
        List<Rule> rules = new ArrayList<>();
        for (String spec : specs) {
            rules.add(parseRule(what, spec));
        }
        return new IdTranslation(List.copyOf(rules), what);
    }

    private static Rule parseRule(String what, String spec) {
        String[] parts = spec.split(":", -1);
        String type = parts[0].toLowerCase(Locale.ROOT);
        Kind kind = switch (type) {
            case "map" -> Kind.MAP;
            case "guest" -> Kind.GUEST;
            case "host" -> Kind.HOST;
            case "squash-guest" -> Kind.SQUASH_GUEST;
            case "squash-host" -> Kind.SQUASH_HOST;
            case "forbid-guest" -> Kind.FORBID_GUEST;
            default -> throw new IllegalArgumentException("--translate-" + what + " " + spec + ": unknown type '" + parts[0]
                    + "' (map, guest, host, squash-guest, squash-host or forbid-guest)");
        };
        int numbers = kind == Kind.FORBID_GUEST ? 2 : 3;
        if (parts.length != numbers + 1) {
            throw new IllegalArgumentException("--translate-" + what + " " + spec + ": " + type + " takes " + numbers
                    + " numbers (" + (kind == Kind.FORBID_GUEST ? "forbid-guest:BASE:COUNT" : type + ":FROM:TO:COUNT") + ")");
        }
        long[] values = new long[numbers];
        for (int i = 0; i < numbers; i++) {
            try {
                values[i] = Long.parseLong(parts[i + 1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--translate-" + what + " " + spec + ": '" + parts[i + 1]
                        + "' is not a number");
            }
            if (values[i] < 0 || values[i] > MAX_ID) {
                throw new IllegalArgumentException("--translate-" + what + " " + spec + ": " + values[i]
                        + " is outside 0.." + MAX_ID);
            }
        }
        long from = values[0];
        long to = kind == Kind.FORBID_GUEST ? 0 : values[1];
        long count = values[numbers - 1];
        if (count == 0) {
            throw new IllegalArgumentException("--translate-" + what + " " + spec + ": the count is 0");
        }
        boolean rangedTarget = kind == Kind.MAP || kind == Kind.GUEST || kind == Kind.HOST;
        if (from + count - 1 > MAX_ID || rangedTarget && to + count - 1 > MAX_ID) {
            throw new IllegalArgumentException("--translate-" + what + " " + spec + ": the range passes " + MAX_ID);
        }
        return new Rule(kind, from, to, count);
    }

    /** Whether every id stays as it is. */
    public boolean isIdentity() {
        return rules.isEmpty();
    }

    /**
     * The host id for a guest id (a caller, or the new owner of a chown).
     *
     * @throws ErrnoException EPERM when a forbid-guest rule covers the id
     */
    public int toHost(int guestId) {
        long id = guestId & MAX_ID;
        for (Rule rule : rules) {
            if (!rule.coversGuest(id)) {
                continue;
            }
            return switch (rule.kind) {
                case MAP, GUEST -> (int) (rule.to + (id - rule.from));
                case SQUASH_GUEST -> (int) rule.to;
                case FORBID_GUEST -> throw new ErrnoException(Errno.EPERM,
                        "guest " + what + " " + id + " may not reach the host (forbid-guest)");
                case HOST, SQUASH_HOST -> throw new IllegalStateException("host rule matched a guest id");
            };
        }
        return guestId;
    }

    /** The guest id for a host id (an owner shown in attributes). */
    public int toGuest(int hostId) {
        long id = hostId & MAX_ID;
        for (Rule rule : rules) {
            if (!rule.coversHost(id)) {
                continue;
            }
            return switch (rule.kind) {
                case MAP -> (int) (rule.from + (id - rule.to));
                case HOST -> (int) (rule.to + (id - rule.from));
                case SQUASH_HOST -> (int) rule.to;
                case GUEST, SQUASH_GUEST, FORBID_GUEST -> throw new IllegalStateException("guest rule matched a host id");
            };
        }
        return hostId;
    }

    @Override
    public String toString() {
        return rules.isEmpty() ? "identity" : rules.toString();
    }
}
