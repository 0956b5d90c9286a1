package io.virtiofs.examples.cli;

import io.virtiofs.passthrough.CachePolicy;
import io.virtiofs.passthrough.FileHandlePolicy;
import io.virtiofs.passthrough.IdTranslation;
import io.virtiofs.passthrough.PassthroughConfig;
import io.virtiofs.passthrough.XattrMapping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The options of a shared host directory (the passthrough file system), named and meaning what
 * virtiofsd's mean, shared by {@code serve} and {@code mount}.
 */
final class SharedDirOptions {

    static final Set<String> WITH_VALUE = Set.of("shared-dir", "cache", "xattrmap", "inode-file-handles",
            "translate-uid", "translate-gid", "rlimit-nofile");
    static final Set<String> FLAGS = Set.of("xattr", "no-xattr", "announce-submounts", "no-announce-submounts",
            "allow-direct-io", "writeback", "no-readdirplus", "killpriv-v2", "no-killpriv-v2", "refuse-device-nodes",
            "refuse-setuid", "preserve-noatime");
    static final Set<String> OPTIONAL_VALUE = Set.of("posix-acl", "security-label");

    /** The help text of these options (two columns, as the commands' own). */
    static final String HELP = """
              --shared-dir DIR        share the host directory DIR (the passthrough file system;
                                      the default file system once given)
              --cache MODE            auto (default: names and attributes 1 s), always (a day, data
                                      kept across opens), metadata (a day, no data cache), never
              --allow-direct-io       let the guest's O_DIRECT reach host files
              --writeback             the guest caches writes (FUSE writeback cache)
              --no-readdirplus        list directories without each entry's attributes
              --xattr                 serve extended attributes (user.*; trusted.* and security.*
                                      are refused unless --xattrmap stores them under other names);
                                      --no-xattr: off (the default)
              --xattrmap RULES        translate xattr names: :prefix|ok|bad|unsupported:client|server|all:KEY:PREPEND:
                                      rules (e.g. ':prefix:all:trusted.:user.virtiofs.: :ok:all:::');
                                      implies --xattr
              --posix-acl[=auto|always|never]  POSIX ACLs (implies --xattr; not with --translate-*)
              --security-label[=auto|always|never]  store the security label a guest sends with a
                                      new file (implies --xattr)
              --announce-submounts    flag host mount points as submounts to the guest (default)
              --no-announce-submounts do not
              --inode-file-handles=never|prefer|mandatory  hold nodes by file handles instead of a
                                      descriptor each (handles need CAP_DAC_READ_SEARCH); default:
                                      a descriptor per node while the cap on descriptors allows,
                                      handles past it (never: ENFILE past it)
              --killpriv-v2           clear set-user-ID, set-group-ID and security.capability on write,
                                      truncate and chown for the guest (default)
              --no-killpriv-v2        leave that to the guest's kernel
              --translate-uid TYPE:A:B:COUNT  translate user ids (map, guest, host, squash-guest,
                                      squash-host; forbid-guest:BASE:COUNT); repeatable
              --translate-gid ...     the same for group ids
              --refuse-device-nodes   creating a character or block device fails (EPERM)
              --refuse-setuid         creating or making a set-user-ID or set-group-ID executable fails
              --preserve-noatime      let the guest's O_NOATIME reach host files
              --rlimit-nofile N       set the open file limit (default: raise it to min(1000000,
                                      /proc/sys/fs/nr_open); 0 leaves it)
            """;

    private SharedDirOptions() {
    }

    /** The shared directory, when {@code --shared-dir} was given. */
    static Optional<Path> sharedDir(Arguments parsed) throws UsageException {
        Optional<String> dir = parsed.value("shared-dir");
        if (dir.isEmpty()) {
            return Optional.empty();
        }
        Path path = Path.of(dir.get()).toAbsolutePath().normalize();
        if (!Files.isDirectory(path)) {
            throw new UsageException("--shared-dir " + dir.get() + (Files.exists(path) ? " is not a directory"
                    : " does not exist"));
        }
        return Optional.of(path);
    }

    /** The configuration the options describe for sharing {@code shared}. */
    static PassthroughConfig config(Arguments parsed, Path shared, boolean readOnly) throws UsageException {
        PassthroughConfig.Builder builder = PassthroughConfig.builder(shared).readOnly(readOnly);
        Optional<String> map = parsed.value("xattrmap");
        try {
            parsed.value("cache").ifPresent(mode -> builder.cache(CachePolicy.parse(mode)));
            parsed.value("inode-file-handles").ifPresent(mode -> builder.fileHandles(FileHandlePolicy.parse(mode)));
            if (map.isPresent()) {
                builder.xattrMapping(XattrMapping.parse(map.get())).xattrs(true);
            }
            builder.uids(IdTranslation.parse("uid", parsed.all("translate-uid")));
            builder.gids(IdTranslation.parse("gid", parsed.all("translate-gid")));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        boolean xattr = parsed.flag("xattr");
        if (xattr && parsed.flag("no-xattr")) {
            throw new UsageException("--xattr and --no-xattr contradict each other");
        }
        builder.xattrs(xattr || map.isPresent());
        boolean acl = tristate(parsed, "posix-acl");
        boolean label = tristate(parsed, "security-label");
        builder.posixAcls(acl).securityLabel(label);
        if (acl || label) {
            builder.xattrs(true);
        }
        builder.announceSubmounts(!pair(parsed, "no-announce-submounts", "announce-submounts"));
        builder.killPrivV2(!pair(parsed, "no-killpriv-v2", "killpriv-v2"));
        builder.allowDirectIo(parsed.flag("allow-direct-io")).writeback(parsed.flag("writeback"))
                .readdirplus(!parsed.flag("no-readdirplus")).refuseDeviceNodes(parsed.flag("refuse-device-nodes"))
                .refuseSetuid(parsed.flag("refuse-setuid")).preserveNoatime(parsed.flag("preserve-noatime"));
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** A flag with an optional never|auto|always value: on unless "never". */
    private static boolean tristate(Arguments parsed, String name) throws UsageException {
        Optional<String> value = parsed.value(name);
        if (value.isEmpty()) {
            return false;
        }
        return switch (value.get().toLowerCase(Locale.ROOT)) {
            case "", "auto", "always" -> true;
            case "never" -> false;
            default -> throw new UsageException("--" + name + "=" + value.get() + " is not one of never, auto, always");
        };
    }

    /** Whether {@code negative} was given (and not together with {@code positive}). */
    private static boolean pair(Arguments parsed, String negative, String positive) throws UsageException {
        if (parsed.flag(negative) && parsed.flag(positive)) {
            throw new UsageException("--" + positive + " and --" + negative + " contradict each other");
        }
        return parsed.flag(negative);
    }

    /** The open file limit to set: {@code --rlimit-nofile}, or -1 for "raise it as virtiofsd does". */
    static long rlimitNofile(Arguments parsed) throws UsageException {
        Optional<String> text = parsed.value("rlimit-nofile");
        if (text.isEmpty()) {
            return -1;
        }
        try {
            long value = Long.parseLong(text.get());
            if (value < 0) {
                throw new UsageException("--rlimit-nofile " + value + " is negative");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new UsageException("--rlimit-nofile needs a whole number, not '" + text.get() + "'");
        }
    }

    /** Every option name these take, for the commands' own sets. */
    static List<String> allNames() {
        List<String> names = new ArrayList<>(WITH_VALUE);
        names.addAll(FLAGS);
        names.addAll(OPTIONAL_VALUE);
        return names;
    }
}
