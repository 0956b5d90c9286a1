package io.virtiofs.passthrough;

import io.virtiofs.api.Attr;
import io.virtiofs.api.Context;
import io.virtiofs.api.DirectoryPlusSink;
import io.virtiofs.api.DirectorySink;
import io.virtiofs.api.Entry;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileType;
import io.virtiofs.transport.internal.nativeio.DataCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.NodeCalls;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Directory listings: the host's own entries and offsets ({@code getdents64}; an offset is the
 * host's {@code d_off}, as stable as the host file system keeps it), read into a buffer per
 * handle and handed to the guest as far as its reply has room. Readdirplus looks each entry up
 * as the caller, as a lookup would.
 */
final class DirectoryOps {

    private static final int D_INO = 0;
    private static final int D_OFF = 8;
    private static final int D_RECLEN = 16;
    private static final int D_TYPE = 18;
    private static final int D_NAME = 19;

    private final Share share;

    DirectoryOps(Share share) {
        this.share = share;
    }

    /** The file types by their {@code d_type} ({@code DT_*}); null where none (DT_UNKNOWN). */
    private static final FileType[] BY_DIRENT_TYPE = new FileType[16];

    static {
        for (FileType type : FileType.values()) {
            BY_DIRENT_TYPE[type.direntType()] = type;
        }
    }

    /** The file type of a host {@code d_type}, or null when the host did not say (DT_UNKNOWN). */
    private static @Nullable FileType fileType(int direntType) {
        return direntType >= 0 && direntType < BY_DIRENT_TYPE.length ? BY_DIRENT_TYPE[direntType] : null;
    }

    /** One directory entry as the host gave it. */
    private record Dirent(long ino, long nextOffset, int type, FileName name) {
    }

    void readdir(long nodeid, long fh, long offset, DirectorySink sink) {
        OpenFile dir = share.files.pin(fh, nodeid);
        dir.listing.lock();
        try {
            seek(dir, offset);
            Dirent entry;
            while ((entry = peek(dir)) != null) {
                if (!sink.add(entry.name(), entry.nextOffset(), fileType(entry.type()), entry.ino())) {
                    return;
                }
                consume(dir, entry);
            }
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            dir.listing.unlock();
            dir.unpin();
        }
    }

    void readdirplus(Context ctx, long nodeid, long fh, long offset, DirectoryPlusSink sink) {
        OpenFile dir = share.files.pin(fh, nodeid);
        dir.listing.lock();
        try {
            ThreadScratch scratch = share.identity.prepare();
            boolean switched = share.identity.become(ctx, scratch);
            try {
                seek(dir, offset);
                Dirent entry;
                while ((entry = peek(dir)) != null) {
                    if (entry.name().isDotOrDotDot()) {
                        if (!sink.add(entry.name(), entry.nextOffset(), nameOnly(entry))) {
                            return;
                        }
                    } else {
                        Node child = null;
                        Entry answer;
                        try {
                            child = share.nodes.lookup(dir.node, dir.fd, entry.name(), scratch);
                            answer = share.attributes.entry(child, scratch.statx());
                        } catch (ErrnoException gone) {
                            answer = nameOnly(entry); // removed since, or not searchable by the caller
                        }
                        if (!sink.add(entry.name(), entry.nextOffset(), answer)) {
                            if (child != null) {
                                share.nodes.forget(child.nodeid, 1);
                            }
                            return;
                        }
                    }
                    consume(dir, entry);
                }
            } finally {
                share.identity.leave(switched, scratch);
            }
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            dir.listing.unlock();
            dir.unpin();
        }
    }

    /** An entry that gives the name, inode number and type, but no node (nodeid 0). */
    private static Entry nameOnly(Dirent entry) {
        int typeBits = switch (entry.type()) {
            case 1 -> 0010000;
            case 2 -> 0020000;
            case 4 -> 0040000;
            case 6 -> 0060000;
            case 8 -> 0100000;
            case 10 -> 0120000;
            case 12 -> 0140000;
            default -> 0;
        };
        return new Entry(0, 0, Attr.builder().ino(entry.ino()).mode(typeBits).build(), Duration.ZERO, Duration.ZERO);
    }

    /** Moves the listing to {@code offset} unless it is there already (the offset after the last entry given). */
    private static void seek(OpenFile dir, long offset) throws NativeException {
        if (dir.direntBuffer().byteSize() > 0 && offset == dir.nextOffset && dir.nextOffset >= 0) {
            return;
        }
        DataCalls.lseek(dir.fd, offset, DataCalls.SEEK_SET);
        dir.direntLength = 0;
        dir.direntPosition = 0;
        dir.nextOffset = offset;
    }

    /** The next entry, reading more from the host when the buffer is used up; null at the end. */
    private static Dirent peek(OpenFile dir) throws NativeException {
        MemorySegment buffer = dir.direntBuffer();
        if (dir.direntPosition >= dir.direntLength) {
            int length = NodeCalls.getdents64(dir.fd, buffer);
            dir.direntLength = length;
            dir.direntPosition = 0;
            if (length == 0) {
                return null;
            }
        }
        long at = dir.direntPosition;
        long ino = buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, at + D_INO);
        long next = buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, at + D_OFF);
        int recordLength = Short.toUnsignedInt(buffer.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + D_RECLEN));
        int type = Byte.toUnsignedInt(buffer.get(ValueLayout.JAVA_BYTE, at + D_TYPE));
        int nameLength = 0;
        int room = recordLength - D_NAME;
        while (nameLength < room && buffer.get(ValueLayout.JAVA_BYTE, at + D_NAME + nameLength) != 0) {
            nameLength++;
        }
        byte[] name = buffer.asSlice(at + D_NAME, nameLength).toArray(ValueLayout.JAVA_BYTE);
        return new Dirent(ino, next, type, FileName.ofOwned(name));
    }

    private static void consume(OpenFile dir, Dirent entry) {
        int at = dir.direntPosition;
        int recordLength = Short.toUnsignedInt(dir.dirents.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + D_RECLEN));
        dir.direntPosition = at + recordLength;
        dir.nextOffset = entry.nextOffset();
    }
}
