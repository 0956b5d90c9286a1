package io.virtiofs.transport.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One line of {@code /proc/self/mountinfo} (proc(5)): enough to tell whether the mount on a path
 * is the one this process made. Mount ids are unique while the mount exists.
 *
 * @param mountId the mount's id
 * @param deviceMajor the major number of the file system's device ({@code st_dev}); 0 for FUSE
 * @param deviceMinor its minor number; a FUSE connection's directory in the control file system
 *     is named after the device ({@link ConnectionControl})
 * @param mountPoint where it is mounted, unescaped
 * @param mountOptions the per-mount options ({@code rw,nosuid,nodev,...})
 * @param type the file system type ({@code fuse.memfs})
 * @param source the source ({@code fsname}), unescaped
 * @param superOptions the file system's options ({@code rw,user_id=0,group_id=0})
 */
record MountInfo(int mountId, int deviceMajor, int deviceMinor, Path mountPoint, String mountOptions, String type, String source, String superOptions) {

    static final Path PROC_MOUNTINFO = Path.of("/proc/self/mountinfo");

    MountInfo {
        Objects.requireNonNull(mountPoint, "mountPoint");
        Objects.requireNonNull(mountOptions, "mountOptions");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(superOptions, "superOptions");
    }

    /** Every mount this process sees, in the kernel's order (a mount comes after the one it covers). */
    static List<MountInfo> readAll() throws IOException {
        List<MountInfo> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(PROC_MOUNTINFO)) {
            parse(line).ifPresent(mounts::add);
        }
        return mounts;
    }

    /** The mount on top at {@code mountPoint}, if something is mounted there. */
    static Optional<MountInfo> topAt(Path mountPoint) throws IOException {
        MountInfo top = null;
        for (MountInfo mount : readAll()) {
            if (mount.mountPoint.equals(mountPoint)) {
                top = mount;
            }
        }
        return Optional.ofNullable(top);
    }

    /**
     * The device number as the kernel encodes a {@code dev_t} ({@code MKDEV}: major in the bits
     * above 20), which is how the FUSE control file system names a connection.
     */
    long kernelDevice() {
        return ((long) deviceMajor << 20) | deviceMinor;
    }

    /** Parses one line; empty if it is not a well-formed mountinfo line. */
    static Optional<MountInfo> parse(String line) {
        String[] fields = line.split(" ");
        int separator = -1;
        for (int i = 6; i < fields.length; i++) {
            if (fields[i].equals("-")) {
                separator = i;
                break;
            }
        }
        if (separator < 0 || fields.length < separator + 4) {
            return Optional.empty();
        }
        int mountId;
        int major;
        int minor;
        int colon = fields[2].indexOf(':');
        try {
            mountId = Integer.parseInt(fields[0]);
            major = Integer.parseInt(fields[2], 0, Math.max(colon, 0), 10);
            minor = Integer.parseInt(fields[2], colon + 1, fields[2].length(), 10);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.of(new MountInfo(mountId, major, minor, Path.of(unescape(fields[4])), fields[5], fields[separator + 1],
                unescape(fields[separator + 2]), fields[separator + 3]));
    }

    /** Undoes the kernel's octal escapes ({@code \040} for a space, {@code \134} for a backslash). */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String field, int from) {
        if (from + 3 > field.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            char c = field.charAt(i);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return true;
    }
}
