package io.virtiofs.examples.zip;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A seeded random ZIP archive and what it must show when served: files (stored and deflated,
 * empty to several MiB, compressible and not) in nested directories, some directories with an
 * entry of their own, others only implied, Unix modes on some entries (set in the central
 * directory as Unix tools set them: {@link ZipOutputStream} cannot), symbolic links, and two
 * entries that climb out with {@code ..}.
 *
 * @param archive the archive written
 * @param files each file's path (with '/') and content
 * @param times each file's and explicit directory's modification time (whole seconds)
 * @param directories every directory's path ("" for the root)
 * @param modes the Unix mode (type and permissions) of the files, directories and links that have one
 * @param links each symbolic link's path and target
 * @param skipped the names of the entries that must be left out
 */
public record ZipFixture(Path archive, Map<String, byte[]> files, Map<String, Instant> times,
                         TreeSet<String> directories, Map<String, Integer> modes, Map<String, String> links,
                         List<String> skipped) {

    private static final int[] FILE_MODES = {0100644, 0100755, 0100600, 0100444, 0104755};
    private static final int[] DIRECTORY_MODES = {040755, 040700, 040750};

    /** Writes the archive of {@code seed} to {@code archive}. */
    public static ZipFixture write(Path archive, long seed) throws IOException {
        Random random = new Random(seed);
        Map<String, byte[]> files = new LinkedHashMap<>();
        Map<String, Instant> times = new LinkedHashMap<>();
        TreeSet<String> directories = new TreeSet<>(List.of(""));
        Map<String, Integer> modes = new LinkedHashMap<>();
        Map<String, String> links = new LinkedHashMap<>();
        List<String> skipped = List.of("../escape.txt", "x/../../up.txt");
        try (OutputStream out = Files.newOutputStream(archive); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (int i = 0; i < 40; i++) {
                StringBuilder path = new StringBuilder();
                for (int depth = random.nextInt(4); depth > 0; depth--) {
                    path.append("d").append(random.nextInt(4)).append('/');
                    directories.add(path.substring(0, path.length() - 1));
                }
                Instant time = Instant.ofEpochSecond(1_500_000_000L + random.nextInt(200_000_000));
                if (random.nextInt(5) == 0 && !path.isEmpty()) {
                    String directory = path.toString();
                    if (!times.containsKey(directory.substring(0, directory.length() - 1))) {
                        ZipEntry entry = new ZipEntry(directory);
                        entry.setLastModifiedTime(FileTime.from(time));
                        zip.putNextEntry(entry);
                        zip.closeEntry();
                        times.put(directory.substring(0, directory.length() - 1), time);
                        if (random.nextBoolean()) {
                            modes.put(directory, DIRECTORY_MODES[random.nextInt(DIRECTORY_MODES.length)]);
                        }
                    }
                }
                String name = path + "f" + i + (random.nextBoolean() ? ".txt" : ".bin");
                int size = switch (random.nextInt(6)) {
                    case 0 -> 0;
                    case 1 -> 1 + random.nextInt(100);
                    case 2 -> 4096 * (1 + random.nextInt(4));
                    case 5 -> i == 0 ? 5 << 20 : 1 + random.nextInt(700_000);
                    default -> 1 + random.nextInt(700_000);
                };
                byte[] content = new byte[size];
                if (name.endsWith(".txt")) {
                    for (int b = 0; b < size; b++) {
                        content[b] = (byte) ('a' + (b * 7 + i) % 26 + (random.nextInt(50) == 0 ? 1 : 0));
                    }
                } else {
                    random.nextBytes(content);
                }
                ZipEntry entry = new ZipEntry(name);
                entry.setLastModifiedTime(FileTime.from(time));
                if (random.nextBoolean()) {
                    CRC32 crc = new CRC32();
                    crc.update(content);
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(size);
                    entry.setCrc(crc.getValue());
                }
                zip.putNextEntry(entry);
                zip.write(content);
                zip.closeEntry();
                files.put(name, content);
                times.put(name, time);
                if (random.nextInt(3) == 0) {
                    modes.put(name, FILE_MODES[random.nextInt(FILE_MODES.length)]);
                }
            }
            List<String> names = List.copyOf(files.keySet());
            for (int i = 0; i < 4; i++) {
                String target = names.get(random.nextInt(names.size()));
                int slash = target.lastIndexOf('/');
                String link = target.substring(0, slash + 1) + "link" + i;
                if (links.containsKey(link)) {
                    continue;
                }
                ZipEntry entry = new ZipEntry(link);
                zip.putNextEntry(entry);
                zip.write(target.substring(slash + 1).getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
                links.put(link, target.substring(slash + 1));
                modes.put(link, 0120777);
            }
            for (String name : skipped) {
                zip.putNextEntry(new ZipEntry(name));
                zip.write(1);
                zip.closeEntry();
            }
        }
        setUnixModes(archive, modes);
        return new ZipFixture(archive, files, times, directories, modes, links, skipped);
    }

    /**
     * Marks the central directory headers of {@code modes}' entries as made by Unix, with the mode
     * in the high half of their external attributes.
     */
    private static void setUnixModes(Path archive, Map<String, Integer> modes) throws IOException {
        ByteBuffer zip = ByteBuffer.wrap(Files.readAllBytes(archive)).order(ByteOrder.LITTLE_ENDIAN);
        int end = zip.limit() - 22;
        while (zip.getInt(end) != 0x06054b50) {
            end--;
        }
        for (int at = zip.getInt(end + 16); at < end; ) {
            int nameLength = Short.toUnsignedInt(zip.getShort(at + 28));
            byte[] name = new byte[nameLength];
            zip.get(at + 46, name);
            Integer mode = modes.get(new String(name, StandardCharsets.UTF_8));
            if (mode != null) {
                zip.put(at + 5, (byte) 3);
                zip.putInt(at + 38, mode << 16);
            }
            at += 46 + nameLength + Short.toUnsignedInt(zip.getShort(at + 30)) + Short.toUnsignedInt(zip.getShort(at + 32));
        }
        Files.write(archive, zip.array());
    }

    /** The names directly in {@code directory} ("" for the root). */
    public TreeSet<String> children(String directory) {
        String prefix = directory.isEmpty() ? "" : directory + "/";
        TreeSet<String> children = new TreeSet<>();
        for (String path : files.keySet()) {
            if (path.startsWith(prefix)) {
                children.add(path.substring(prefix.length()).split("/")[0]);
            }
        }
        for (String path : links.keySet()) {
            if (path.startsWith(prefix)) {
                children.add(path.substring(prefix.length()).split("/")[0]);
            }
        }
        for (String path : directories) {
            if (!path.isEmpty() && path.startsWith(prefix)) {
                children.add(path.substring(prefix.length()).split("/")[0]);
            }
        }
        return children;
    }
}
