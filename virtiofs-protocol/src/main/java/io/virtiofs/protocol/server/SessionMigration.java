package io.virtiofs.protocol.server;

import io.virtiofs.api.Capability;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.Migratable;
import io.virtiofs.api.Notifier;
import io.virtiofs.protocol.InitFlag;
import io.virtiofs.protocol.InitFlags;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.migration.MigrationOnError;
import io.virtiofs.protocol.migration.StateFormatException;
import io.virtiofs.protocol.migration.StateReader;
import io.virtiofs.protocol.migration.StateWriter;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The session layer of a device state (payload version 1 of {@link StateWriter}'s stream), and
 * the file system's layer after it:
 *
 * <pre>
 * u8  session present (0 or 1)
 *     if present: u8 byte order (0 little, 1 big endian);
 *                 the driver's INIT: u32 major, u32 minor, u32 max_readahead, u64 flags (flags2 in the high half);
 *                 what it settled: u32 minor, u64 accepted flags, u32 max_write, u32 max_readahead,
 *                 u32 time_gran, u32 max_background, u32 max_pages, u32 congestion_threshold, u32 map_alignment
 * u64 nodes with lookups, then per node: u64 nodeid (not 0), u64 lookups (&gt; 0)
 * u32 early interrupts (at most 64), then u64 unique each
 * UTF the file system's state format ({@link Migratable#stateFormat()})
 * ... the file system's state, to the end of the payload
 * </pre>
 *
 * The destination replays the driver's INIT against its own file system and configuration and
 * refuses the state if it would settle anything differently (the guest keeps using what the
 * source settled). Open handles are the file system's (the server passes {@code fh} through),
 * so they travel in its layer. Requests in flight there are none: the device completes them
 * before it stops.
 */
final class SessionMigration {

    /** A session to restore, read and checked, not yet installed. */
    record Restored(@Nullable Session session, long[] nodeids, long[] counts, long[] earlyInterrupts) {
    }

    private static final System.Logger LOG = System.getLogger(FuseServer.class.getName());

    private SessionMigration() {
    }

    /** Why {@code fs} cannot migrate, if it cannot. */
    static Optional<String> blocker(FileSystem fs) {
        if (!(fs instanceof Migratable migratable)) {
            return Optional.of("the file system " + fs.getClass().getSimpleName()
                    + " does not implement Migratable: its state cannot move to another back-end");
        }
        return migratable.migrationBlocker();
    }

    static void save(WritableByteChannel out, FileSystem fs, @Nullable Session session, LookupCounts lookups, InterruptRegistry interrupts) throws IOException {
        Optional<String> blocker = blocker(fs);
        if (blocker.isPresent()) {
            throw new IOException("cannot migrate: " + blocker.get());
        }
        Migratable migratable = (Migratable) fs;
        StateWriter writer = new StateWriter(out);
        DataOutputStream data = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(writer), 64 * 1024));
        data.writeByte(session != null ? 1 : 0);
        if (session != null) {
            InitIn init = session.init();
            data.writeByte(session.format().order() == WireOrder.BIG_ENDIAN ? 1 : 0);
            data.writeInt(init.major());
            data.writeInt(init.minor());
            data.writeInt(init.maxReadahead());
            data.writeLong(init.flags());
            writeSettled(data, session.negotiation());
        }
        long[] nodes = {0};
        java.io.ByteArrayOutputStream pairs = new java.io.ByteArrayOutputStream();
        DataOutputStream pairData = new DataOutputStream(pairs);
        lookups.forEach((nodeid, count) -> {
            try {
                pairData.writeLong(nodeid);
                pairData.writeLong(count);
                nodes[0]++;
            } catch (IOException impossible) {
                throw new IllegalStateException(impossible);
            }
        });
        data.writeLong(nodes[0]);
        pairs.writeTo(data);
        long[] early = interrupts.early();
        data.writeInt(early.length);
        for (long unique : early) {
            data.writeLong(unique);
        }
        data.writeUTF(migratable.stateFormat());
        data.flush();
        migratable.saveState(writer);
        writer.finish();
    }

    private static void writeSettled(DataOutputStream data, Negotiation n) throws IOException {
        data.writeInt(n.version().minor());
        data.writeLong(InitFlags.flags(n.accepted()));
        data.writeInt(n.maxWrite());
        data.writeInt(n.maxReadahead());
        data.writeInt(n.timeGranularity());
        data.writeInt(n.maxBackground());
        data.writeInt(n.maxPages());
        data.writeInt(n.congestionThreshold());
        data.writeInt(n.mapAlignment());
    }

    /**
     * Reads the state and restores the file system's layer; returns the session layer for the
     * caller to install. Nothing of the server changes; the file system changes only if its
     * restore succeeds (then only the checks after it can still fail: none but the end of stream).
     */
    static Restored load(ReadableByteChannel in, FileSystem fs, FuseServerConfig config, Notifier notifier,
                         MigrationOnError onError) throws IOException {
        Optional<String> blocker = blocker(fs);
        if (blocker.isPresent()) {
            throw new StateFormatException("this back-end cannot take a migrated state: " + blocker.get());
        }
        Migratable migratable = (Migratable) fs;
        StateReader reader = new StateReader(in);
        DataInputStream data = new DataInputStream(Channels.newInputStream(reader));
        try {
            Session session = null;
            int present = data.readUnsignedByte();
            if (present > 1) {
                throw new StateFormatException("session flag " + present + " is neither 0 nor 1");
            }
            if (present == 1) {
                session = replayInit(data, fs, config, notifier);
            }
            long nodes = data.readLong();
            if (nodes < 0) {
                throw new StateFormatException("a negative node count " + nodes);
            }
            long[] nodeids = new long[(int) Math.min(nodes, 1024)];
            long[] counts = new long[nodeids.length];
            for (long i = 0; i < nodes; i++) {
                if (i >= nodeids.length) {
                    if (nodeids.length >= Integer.MAX_VALUE / 2) {
                        throw new StateFormatException(nodes + " nodes are more than a session can hold");
                    }
                    nodeids = Arrays.copyOf(nodeids, nodeids.length * 2);
                    counts = Arrays.copyOf(counts, counts.length * 2);
                }
                long nodeid = data.readLong();
                long count = data.readLong();
                if (nodeid == 0 || count <= 0) {
                    throw new StateFormatException("node " + Long.toUnsignedString(nodeid) + " with " + count
                            + " lookups: the session layer is corrupt");
                }
                nodeids[(int) i] = nodeid;
                counts[(int) i] = count;
            }
            nodeids = Arrays.copyOf(nodeids, (int) nodes);
            counts = Arrays.copyOf(counts, (int) nodes);
            int earlyCount = data.readInt();
            if (earlyCount < 0 || earlyCount > InterruptRegistry.EARLY_CAPACITY) {
                throw new StateFormatException(Integer.toUnsignedString(earlyCount) + " early interrupts are more than "
                        + InterruptRegistry.EARLY_CAPACITY);
            }
            long[] early = new long[earlyCount];
            for (int i = 0; i < earlyCount; i++) {
                early[i] = data.readLong();
            }
            String format = data.readUTF();
            if (!format.equals(migratable.stateFormat())) {
                throw new StateFormatException("the state is of file system format \"" + format
                        + "\", this back-end's file system reads \"" + migratable.stateFormat() + "\"");
            }
            try {
                migratable.restoreState(reader);
                reader.requireEnd();
            } catch (StateFormatException broken) {
                if (onError == MigrationOnError.ABORT || session == null) {
                    throw broken;
                }
                LOG.log(System.Logger.Level.ERROR, "the file system's state could not be restored (" + broken.getMessage()
                        + "); taking the session anyway (--migration-on-error guest-error): the guest gets errors for"
                        + " what did not come along");
            }
            return new Restored(session, nodeids, counts, early);
        } catch (EOFException | UTFDataFormatException e) {
            throw new StateFormatException("the session layer is cut short or corrupt: " + e, e);
        }
    }

    private static Session replayInit(DataInputStream data, FileSystem fs, FuseServerConfig config, Notifier notifier)
            throws IOException {
        int orderByte = data.readUnsignedByte();
        if (orderByte > 1) {
            throw new StateFormatException("byte order " + orderByte + " is neither 0 (little) nor 1 (big endian)");
        }
        WireOrder order = orderByte == 1 ? WireOrder.BIG_ENDIAN : WireOrder.LITTLE_ENDIAN;
        InitIn init = new InitIn(data.readInt(), data.readInt(), data.readInt(), data.readLong());
        int minor = data.readInt();
        long accepted = data.readLong();
        int[] sizes = new int[7];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = data.readInt();
        }
        SessionSetup setup = new SessionSetup(init, config, notifier);
        fs.init(setup);
        Negotiation here = setup.settle();
        StringBuilder differences = new StringBuilder();
        compare(differences, "minor", minor, here.version().minor());
        if (accepted != InitFlags.flags(here.accepted())) {
            java.util.Set<InitFlag> onlySource = java.util.EnumSet.noneOf(InitFlag.class);
            onlySource.addAll(InitFlags.set(accepted));
            onlySource.removeAll(here.accepted());
            java.util.Set<InitFlag> onlyHere = java.util.EnumSet.noneOf(InitFlag.class);
            onlyHere.addAll(here.accepted());
            onlyHere.removeAll(InitFlags.set(accepted));
            differences.append(", capabilities the source accepted and this one would not: ").append(onlySource)
                    .append(", and the reverse: ").append(onlyHere);
        }
        compare(differences, "max_write", sizes[0], here.maxWrite());
        compare(differences, "max_readahead", sizes[1], here.maxReadahead());
        compare(differences, "time_gran", sizes[2], here.timeGranularity());
        compare(differences, "max_background", sizes[3], here.maxBackground());
        compare(differences, "max_pages", sizes[4], here.maxPages());
        compare(differences, "congestion_threshold", sizes[5], here.congestionThreshold());
        compare(differences, "map_alignment", sizes[6], here.mapAlignment());
        if (!differences.isEmpty()) {
            throw new StateFormatException("this back-end would settle the guest's FUSE_INIT differently ("
                    + differences.substring(2) + "): start it with the source's options");
        }
        return new Session(new WireFormat(order, here.version().minor(), here.accepts(InitFlag.SETXATTR_EXT)), here, init);
    }

    private static void compare(StringBuilder differences, String what, int source, int here) {
        if (source != here) {
            differences.append(", ").append(what).append(": source ").append(source).append(", here ").append(here);
        }
    }
}
