package io.virtiofs.passthrough;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * How extended attribute names translate between the guest and the host: the subset of
 * virtiofsd's {@code --xattrmap} made of {@code prefix}, {@code ok}, {@code bad} and
 * {@code unsupported} rules.
 *
 * <p>A rule is {@code :TYPE:SCOPE:KEY:PREPEND:}, where {@code :} stands for any separator
 * character (the first non-blank character of the rule, used for all its fields); rules follow
 * one another, optionally separated by white space. SCOPE is {@code client} (names the guest
 * sends: get, set, remove), {@code server} (names the host lists) or {@code all}. A client name
 * matches a rule whose KEY starts it; a host name matches a rule whose PREPEND starts it. The first
 * rule that matches decides:
 * <ul>
 *   <li>{@code prefix}: a client name gets PREPEND put in front of it; a host name has PREPEND
 *       taken off for the guest;
 *   <li>{@code ok}: the name passes unchanged;
 *   <li>{@code bad}: a client name is refused with EPERM; a host name is hidden;
 *   <li>{@code unsupported}: a client name is refused with EOPNOTSUPP; a host name is hidden.
 * </ul>
 * A name no rule matches is refused (client, EPERM) or hidden (server), so a mapping normally
 * ends with a catch-all such as {@code :ok:all:::} or {@code :bad:all:::}. virtiofsd's
 * {@code map} shorthand is not part of the subset: write its rules out.
 *
 * <p>The usual mapping moves the guest's privileged namespaces under {@code user.virtiofs.} on
 * the host, so a guest's {@code trusted.} and {@code security.} attributes (overlayfs metadata,
 * file capabilities, SELinux labels) never become the host's:
 * <pre>
 * :prefix:all:trusted.:user.virtiofs.:
 * :prefix:all:security.:user.virtiofs.:
 * :bad:server::trusted.:
 * :bad:server::security.:
 * :bad:client:user.virtiofs.::
 * :ok:all:::
 * </pre>
 * (the host's own {@code trusted.} and {@code security.} names stay hidden, and the guest cannot
 * reach {@code user.virtiofs.} names directly; a host name {@code user.virtiofs.trusted.x} shows
 * as {@code trusted.x}: the first rule strips the prefix).
 */
public final class XattrMapping {

    private enum Type { PREFIX, OK, BAD, UNSUPPORTED }

    private record Rule(Type type, boolean client, boolean server, String key, String prepend) {
    }

    private final List<Rule> rules;
    private final String text;

    private XattrMapping(List<Rule> rules, String text) {
        this.rules = rules;
        this.text = text;
    }

    /**
     * Parses a mapping (see the class description).
     *
     * @throws IllegalArgumentException naming the rule (counted from 1) and what is wrong
     */
    public static XattrMapping parse(String text) {
        List<Rule> rules = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (true) {
            while (i < n && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            int number = rules.size() + 1;
            char separator = text.charAt(i++);
            List<String> fields = new ArrayList<>();
            while (fields.size() < 4) {
                int end = text.indexOf(separator, i);
                if (end < 0) {
                    throw new IllegalArgumentException("--xattrmap rule " + number + " is incomplete: a rule is "
                            + separator + "TYPE" + separator + "SCOPE" + separator + "KEY" + separator + "PREPEND"
                            + separator);
                }
                fields.add(text.substring(i, end));
                i = end + 1;
                if (fields.size() == 1 && fields.get(0).equals("map")) {
                    throw new IllegalArgumentException("--xattrmap rule " + number
                            + ": the 'map' shorthand is not supported; write it as prefix, bad and ok rules");
                }
            }
            Type type = switch (fields.get(0).toLowerCase(Locale.ROOT)) {
                case "prefix" -> Type.PREFIX;
                case "ok" -> Type.OK;
                case "bad" -> Type.BAD;
                case "unsupported" -> Type.UNSUPPORTED;
                default -> throw new IllegalArgumentException("--xattrmap rule " + number + ": unknown type '"
                        + fields.get(0) + "' (prefix, ok, bad or unsupported)");
            };
            String scope = fields.get(1).toLowerCase(Locale.ROOT);
            boolean client = scope.equals("client") || scope.equals("all");
            boolean server = scope.equals("server") || scope.equals("all");
            if (!client && !server) {
                throw new IllegalArgumentException("--xattrmap rule " + number + ": unknown scope '" + fields.get(1)
                        + "' (client, server or all)");
            }
            rules.add(new Rule(type, client, server, fields.get(2), fields.get(3)));
        }
        if (rules.isEmpty()) {
            throw new IllegalArgumentException("--xattrmap has no rules");
        }
        return new XattrMapping(List.copyOf(rules), text.strip());
    }

    /**
     * The host name for a name the guest sent.
     *
     * @throws ErrnoException EPERM (a {@code bad} rule, or no rule) or EOPNOTSUPP ({@code unsupported})
     */
    public String toHost(String guestName) {
        for (Rule rule : rules) {
            if (!rule.client || !guestName.startsWith(rule.key)) {
                continue;
            }
            return switch (rule.type) {
                case PREFIX -> rule.prepend + guestName;
                case OK -> guestName;
                case BAD -> throw new ErrnoException(Errno.EPERM, "xattr " + guestName + " is refused by the mapping");
                case UNSUPPORTED -> throw new ErrnoException(Errno.EOPNOTSUPP,
                        "xattr " + guestName + " is unsupported by the mapping");
            };
        }
        throw new ErrnoException(Errno.EPERM, "no --xattrmap rule matches xattr " + guestName);
    }

    /** The name the guest sees for a host name, or null when it is hidden. */
    public @Nullable String toGuest(String hostName) {
        for (Rule rule : rules) {
            if (!rule.server || !hostName.startsWith(rule.prepend)) {
                continue;
            }
            return switch (rule.type) {
                case PREFIX -> hostName.substring(rule.prepend.length());
                case OK -> hostName;
                case BAD, UNSUPPORTED -> null;
            };
        }
        return null;
    }

    @Override
    public String toString() {
        return text;
    }
}
