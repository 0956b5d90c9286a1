package io.virtiofs.examples.cli;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed command line: {@code --name value}, {@code --name=value}, boolean {@code --name},
 * repeatable {@code -o a,b}, and positional arguments. Every option must be declared; an unknown
 * one is a usage error naming it.
 */
final class Arguments {

    private final Map<String, List<String>> values = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();

    private Arguments() {
    }

    /**
     * Parses {@code args}.
     *
     * @param withValue options that take a value (long names without dashes; "o" for -o)
     * @param flags options that take none
     */
    static Arguments parse(List<String> args, Set<String> withValue, Set<String> flags) throws UsageException {
        return parse(args, withValue, flags, Set.of());
    }

    /**
     * Parses {@code args}, where the options in {@code optionalValue} take a value only inline
     * ({@code --posix-acl} or {@code --posix-acl=always}, as virtiofsd's); given bare, their value
     * is the empty string.
     */
    static Arguments parse(List<String> args, Set<String> withValue, Set<String> flags, Set<String> optionalValue)
            throws UsageException {
        Arguments parsed = new Arguments();
        Deque<String> rest = new ArrayDeque<>(args);
        boolean optionsEnded = false;
        while (!rest.isEmpty()) {
            String arg = rest.removeFirst();
            if (optionsEnded || !arg.startsWith("-") || arg.equals("-")) {
                parsed.positional.add(arg);
                continue;
            }
            if (arg.equals("--")) {
                optionsEnded = true;
                continue;
            }
            String name;
            String inline = null;
            if (arg.startsWith("--")) {
                int eq = arg.indexOf('=');
                name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
                inline = eq < 0 ? null : arg.substring(eq + 1);
            } else if (arg.length() == 2) {
                name = arg.substring(1);
            } else if (arg.startsWith("-o")) {
                name = "o";
                inline = arg.substring(2);
            } else {
                throw new UsageException("unknown option " + arg);
            }
            if (optionalValue.contains(name)) {
                parsed.values.computeIfAbsent(name, k -> new ArrayList<>()).add(inline == null ? "" : inline);
            } else if (flags.contains(name)) {
                if (inline != null) {
                    throw new UsageException("option --" + name + " takes no value");
                }
                parsed.values.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
            } else if (withValue.contains(name)) {
                String value = inline;
                if (value == null) {
                    if (rest.isEmpty()) {
                        throw new UsageException("option " + arg + " needs a value");
                    }
                    value = rest.removeFirst();
                }
                parsed.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else {
                throw new UsageException("unknown option " + arg);
            }
        }
        return parsed;
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    Optional<String> value(String name) throws UsageException {
        List<String> list = values.get(name);
        if (list == null) {
            return Optional.empty();
        }
        if (list.size() > 1) {
            throw new UsageException("option --" + name + " is given " + list.size() + " times");
        }
        return Optional.of(list.get(0));
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    List<String> positional() {
        return positional;
    }

    int intValue(String name, int defaultValue, int min, int max) throws UsageException {
        Optional<String> text = value(name);
        if (text.isEmpty()) {
            return defaultValue;
        }
        try {
            int value = Integer.parseInt(text.get());
            if (value < min || value > max) {
                throw new UsageException("--" + name + " " + value + " is outside " + min + ".." + max);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " needs a whole number, not '" + text.get() + "'");
        }
    }

    long sizeValue(String name, long defaultValue) throws UsageException {
        Optional<String> text = value(name);
        if (text.isEmpty()) {
            return defaultValue;
        }
        return parseSize("--" + name, text.get());
    }

    /** Parses 4096, 64k, 512M, 2G, 1T (binary units). */
    static long parseSize(String what, String text) throws UsageException {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        long unit = 1;
        if (!t.isEmpty()) {
            char last = t.charAt(t.length() - 1);
            int shift = switch (last) {
                case 'k' -> 10;
                case 'm' -> 20;
                case 'g' -> 30;
                case 't' -> 40;
                default -> 0;
            };
            if (shift > 0) {
                unit = 1L << shift;
                t = t.substring(0, t.length() - 1);
            }
        }
        try {
            long value = Long.parseLong(t);
            if (value < 0 || value > Long.MAX_VALUE / unit) {
                throw new UsageException(what + " " + text + " is out of range");
            }
            return value * unit;
        } catch (NumberFormatException e) {
            throw new UsageException(what + " needs a size such as 1048576, 64k, 512M or 2G, not '" + text + "'");
        }
    }

    java.time.Duration secondsValue(String name, java.time.Duration defaultValue) throws UsageException {
        Optional<String> text = value(name);
        if (text.isEmpty()) {
            return defaultValue;
        }
        try {
            double seconds = Double.parseDouble(text.get());
            if (!(seconds >= 0) || seconds > 1e9) {
                throw new UsageException("--" + name + " " + text.get() + " must be between 0 and 1e9 seconds");
            }
            return java.time.Duration.ofNanos(Math.round(seconds * 1e9));
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " needs seconds (such as 1 or 0.5), not '" + text.get() + "'");
        }
    }
}
