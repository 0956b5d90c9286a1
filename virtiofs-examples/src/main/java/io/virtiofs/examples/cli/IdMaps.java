package io.virtiofs.examples.cli;

import java.util.List;

/**
 * {@code --uid-map} and {@code --gid-map} ({@code :NAMESPACE_ID:HOST_ID:COUNT:}, as virtiofsd and
 * libvirt write them): the id ranges of the user namespace the namespace sandbox runs in, for a
 * server started without root. The namespace is made by {@code bin/virtiofs} (util-linux
 * {@code unshare --map-users/--map-groups}) before the JVM starts; the JVM checks the form and
 * that it runs inside.
 */
final class IdMaps {

    /** The variable bin/virtiofs sets once the JVM runs in the user namespace the maps describe. */
    static final String READY_VARIABLE = "VIRTIOFS_USERNS";

    private IdMaps() {
    }

    /** Checks every map's form, and that the launcher applied them. */
    static void check(Arguments parsed, Sandbox.Mode sandbox) throws UsageException, CommandFailure {
        List<String> maps = new java.util.ArrayList<>(parsed.all("uid-map"));
        maps.addAll(parsed.all("gid-map"));
        if (maps.isEmpty()) {
            return;
        }
        for (String name : List.of("uid-map", "gid-map")) {
            for (String map : parsed.all(name)) {
                parse(name, map);
            }
        }
        if (sandbox != Sandbox.Mode.NAMESPACE) {
            throw new UsageException("--uid-map and --gid-map describe the namespace sandbox's user namespace; "
                    + "they need --sandbox namespace");
        }
        if (!"1".equals(System.getenv(READY_VARIABLE))) {
            throw new CommandFailure("--uid-map and --gid-map need the user namespace bin/virtiofs makes before it starts "
                    + "the JVM; start serve through bin/virtiofs");
        }
    }

    /** The three numbers of one map. */
    static long[] parse(String name, String map) throws UsageException {
        String[] parts = map.split(":", -1);
        if (parts.length != 5 || !parts[0].isEmpty() || !parts[4].isEmpty()) {
            throw new UsageException("--" + name + " " + map + " is not of the form :NAMESPACE_ID:HOST_ID:COUNT:");
        }
        long[] values = new long[3];
        for (int i = 0; i < 3; i++) {
            try {
                values[i] = Long.parseLong(parts[i + 1]);
            } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " " + map + ": '" + parts[i + 1] + "' is not a number");
            }
            if (values[i] < 0 || values[i] > 0xffff_ffffL) {
                throw new UsageException("--" + name + " " + map + ": " + values[i] + " is out of range");
            }
        }
        if (values[2] == 0) {
            throw new UsageException("--" + name + " " + map + ": the count is 0");
        }
        return values;
    }
}
