package io.virtiofs.examples.cli;

import io.virtiofs.passthrough.HostProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.ModuleReader;
import java.lang.module.ResolvedModule;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The confinement of {@code serve}, as virtiofsd's {@code --sandbox}:
 * <ul>
 *   <li>{@code namespace} (the default as root): the process runs in new mount, PID and network
 *       namespaces whose root holds only the shared directory, the JDK and the program (read-only),
 *       a fresh {@code /proc}, a few {@code /dev} nodes and the socket's directory. A JVM cannot
 *       move its own threads into new namespaces, so {@code bin/virtiofs} makes them (util-linux
 *       {@code unshare}, {@code pivot_root}) and starts the JVM inside, saying so in
 *       {@code VIRTIOFS_SANDBOX}; started any other way, this mode refuses to run.
 *   <li>{@code chroot}: {@code chroot(2)} into the shared directory once the socket is bound (for
 *       containers that cannot make namespaces). The program's jars stay open; each is opened
 *       before, so classes still load.
 *   <li>{@code none}: no confinement beyond the file system's own (every name resolved beneath
 *       the shared directory).
 * </ul>
 */
final class Sandbox {

    /** The variable bin/virtiofs sets once it has started the JVM inside the namespaces. */
    static final String READY_VARIABLE = "VIRTIOFS_SANDBOX";

    enum Mode { NAMESPACE, CHROOT, NONE }

    private Sandbox() {
    }

    /** The mode {@code --sandbox} names; without it, namespace as root, none otherwise. */
    static Mode parse(Optional<String> value, boolean root) throws UsageException {
        if (value.isEmpty()) {
            return root ? Mode.NAMESPACE : Mode.NONE;
        }
        return switch (value.get().toLowerCase(Locale.ROOT)) {
            case "namespace" -> Mode.NAMESPACE;
            case "chroot" -> Mode.CHROOT;
            case "none" -> Mode.NONE;
            default -> throw new UsageException("--sandbox " + value.get() + " is not one of namespace, chroot, none");
        };
    }

    /**
     * Checks that the launcher made the namespaces (namespace mode), or enters the chroot (chroot
     * mode). Call once the shared directory and the socket are open.
     */
    static void enter(Mode mode, Path shared) throws CommandFailure {
        switch (mode) {
            case NAMESPACE -> {
                if (!"namespace".equals(System.getenv(READY_VARIABLE))) {
                    throw new CommandFailure("--sandbox namespace (the default as root) needs the namespaces bin/virtiofs "
                            + "makes before it starts the JVM; start serve through bin/virtiofs, or pass --sandbox chroot or "
                            + "--sandbox none");
                }
            }
            case CHROOT -> {
                openEveryModule();
                try {
                    HostProcess.chrootInto(shared);
                } catch (IOException e) {
                    throw new CommandFailure("--sandbox chroot: " + e.getMessage(), e);
                }
            }
            case NONE -> {
            }
        }
    }

    /**
     * Opens the jar of every module of the program (a jar stays open once its reader is), so that
     * classes not loaded yet still load once the jars' paths are outside the root.
     */
    private static void openEveryModule() {
        for (ResolvedModule module : ModuleLayer.boot().configuration().modules()) {
            if (module.reference().location().map(uri -> uri.getScheme().equals("jrt")).orElse(true)) {
                continue;
            }
            Optional<Module> loaded = ModuleLayer.boot().findModule(module.name());
            try (ModuleReader reader = module.reference().open()) {
                Optional<String> someClass = reader.list().filter(name -> name.endsWith(".class")
                        && !name.equals("module-info.class")).findFirst();
                if (someClass.isPresent() && loaded.isPresent() && loaded.get().getClassLoader() != null) {
                    String className = someClass.get().replace('/', '.').substring(0, someClass.get().length() - 6);
                    Class.forName(className, false, loaded.get().getClassLoader());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (ClassNotFoundException | LinkageError e) {
                // A class that does not load now would not later either; nothing to keep open.
            }
        }
    }
}
