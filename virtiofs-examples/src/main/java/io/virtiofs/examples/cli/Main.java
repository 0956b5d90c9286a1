package io.virtiofs.examples.cli;

import java.io.PrintStream;
import java.util.List;

/**
 * {@code virtiofs}: serve memfs through the host kernel ({@code mount}) or to a virtual machine
 * over vhost-user ({@code serve}).
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        int status = run(List.of(args), System.out, System.err);
        System.exit(status);
    }

    /** Runs a command line; returns the exit status (0 ok, 1 failure, 2 usage). */
    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty()) {
            err.print(usage());
            return 2;
        }
        String command = args.get(0);
        List<String> rest = args.subList(1, args.size());
        try {
            return switch (command) {
                case "--help", "-h", "help" -> {
                    out.print(usage());
                    yield 0;
                }
                case "--version", "-V", "version" -> {
                    out.println("virtiofs " + Version.current() + " (FUSE 7.45, virtio-fs device 26; Java "
                            + Runtime.version() + ")");
                    yield 0;
                }
                case "mount" -> MountCommand.run(rest, out, err);
                case "serve" -> ServeCommand.run(rest, out, err);
                case "selftest" -> SelfTestCommand.run(rest, out, err);
                case "s3" -> io.virtiofs.s3.tool.S3Tool.run(rest, out, err);
                default -> throw new UsageException("unknown command '" + command + "'");
            };
        } catch (UsageException e) {
            err.println("virtiofs: " + e.getMessage());
            err.println("Try 'virtiofs --help'.");
            return 2;
        } catch (CommandFailure e) {
            err.println("virtiofs: " + e.getMessage());
            return 1;
        }
    }

    static String usage() {
        return """
                usage: virtiofs COMMAND [OPTIONS]

                Commands:
                  mount [OPTIONS] MOUNTPOINT   serve a file system through the host kernel's FUSE
                                               client (/dev/fuse) until unmounted or interrupted
                  serve --socket-path PATH     serve a file system to a virtual machine as a
                        [OPTIONS]              vhost-user-fs device (QEMU -device vhost-user-fs-pci)
                  selftest [--seconds N]       run memfs through the virtio-fs device and real
                                               virtqueues in this process, checking every reply
                  s3 COMMAND ...               the S3 API alone (buckets, objects, checksums, the
                                               benchmark ceiling); 'virtiofs s3' lists its commands
                  --help                       this text ('virtiofs COMMAND --help' for a command's options)
                  --version                    the version

                """;
    }
}
