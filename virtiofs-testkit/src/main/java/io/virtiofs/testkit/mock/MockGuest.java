package io.virtiofs.testkit.mock;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.AttrReply;
import io.virtiofs.api.Capability;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.StatFs;
import io.virtiofs.protocol.InHeader;
import io.virtiofs.protocol.InitFlag;
import io.virtiofs.protocol.InitFlags;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.AttrOut;
import io.virtiofs.protocol.message.CreateIn;
import io.virtiofs.protocol.message.CreateOut;
import io.virtiofs.protocol.message.Dirent;
import io.virtiofs.protocol.message.EmptyIn;
import io.virtiofs.protocol.message.EntryOut;
import io.virtiofs.protocol.message.ForgetIn;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.FuseRequest;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.message.MkdirIn;
import io.virtiofs.protocol.message.NameIn;
import io.virtiofs.protocol.message.OpenIn;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.protocol.message.ReleaseIn;
import io.virtiofs.protocol.message.RenameIn;
import io.virtiofs.protocol.message.WriteIn;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.testkit.wire.Replies;
import io.virtiofs.testkit.wire.Requests;
import io.virtiofs.transport.device.VirtioFsDevice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * A guest in this process, for testing a {@link FileSystem} the way a virtual machine uses it but
 * without one: the file system behind a {@link FuseServer} behind a {@link VirtioFsDevice}, and a
 * guest driver ({@link MockDriver}) that sends it FUSE requests through real split virtqueues in
 * guest memory, as a Linux guest does after {@code mount -t virtiofs}. Every call sends one
 * request, waits for its reply, and answers in the SPI's own types; an error reply is thrown as
 * an {@link ErrnoException}, as the guest's system call would fail.
 *
 * <p>The methods take nodeids, as the FUSE protocol does: the root is {@link FileSystem#ROOT_ID}
 * and a lookup, create or mkdir hands out the others (each counts one lookup, which
 * {@link #forget} gives back). One thread at a time uses a guest.
 *
 * <pre>{@code
 * try (MockGuest guest = MockGuest.start(new MyFs())) {
 *     MockGuest.Created file = guest.create(FileSystem.ROOT_ID, "notes", 0644);
 *     guest.write(file.nodeid(), file.fh(), 0, "hello".getBytes(UTF_8));
 *     assertEquals(5, guest.getattr(file.nodeid()).attr().size());
 * }
 * }</pre>
 */
public final class MockGuest implements AutoCloseable {

    /** The reply room of each request: a 1 MiB read and its header. */
    private static final int REPLY_BYTES = OutHeader.SIZE + (1 << 20);
    /** The largest request: a 1 MiB write and its headers. */
    private static final int REQUEST_BYTES = InHeader.SIZE + WriteIn.SIZE + (1 << 20);
    private static final int REQUEST_QUEUE = 1;

    /**
     * What CREATE answered.
     *
     * @param entry the new file's entry
     * @param fh the open file's handle
     */
    public record Created(Entry entry, long fh) {

        /** The new file's nodeid. */
        public long nodeid() {
            return entry.nodeid();
        }
    }

    private final FuseServer server;
    private final VirtioFsDevice device;
    private final MockDriver driver;
    private final WireFormat format;
    private long unique = 2;

    private MockGuest(FuseServer server, VirtioFsDevice device, MockDriver driver, WireFormat format) {
        this.server = server;
        this.device = device;
        this.driver = driver;
        this.format = format;
    }

    /**
     * Serves {@code fs} to a new guest, which initialises the device and the FUSE session (INIT,
     * little-endian, every capability offered as a Linux guest offers them).
     *
     * @throws IllegalStateException if the session does not start
     */
    public static MockGuest start(FileSystem fs) {
        FuseServer server = new FuseServer(fs, FuseServerConfig.defaults());
        VirtioFsDevice device = VirtioFsDevice.builder("mock-guest").requestQueues(1).build(server);
        MockDriver driver;
        try {
            driver = MockDriver.connect(device, MockDriver.Options.defaults().withSlots(2)
                    .withBuffers(REQUEST_BYTES, REPLY_BYTES)
                    .withTimeout(Duration.ofSeconds(30)));
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
        MockGuest guest = new MockGuest(server, device, driver, WireFormat.current(WireOrder.LITTLE_ENDIAN));
        try {
            guest.call(Opcode.INIT, 0, new InitIn(7, 45, 1 << 20,
                    InitFlags.flags(EnumSet.allOf(InitFlag.class))));
        } catch (ErrnoException e) {
            guest.close();
            throw new IllegalStateException("the file system refused the session: " + e.errno(), e);
        }
        return guest;
    }

    /** The server between the guest and the file system (its statistics, its lookup counts). */
    public FuseServer server() {
        return server;
    }

    /** LOOKUP: the entry of {@code name} in {@code parent}. */
    public Entry lookup(long parent, String name) {
        return entry(call(Opcode.LOOKUP, parent, new NameIn(FileName.of(name))));
    }

    /** GETATTR. */
    public AttrReply getattr(long nodeid) {
        AttrOut out = Replies.attrOut(call(Opcode.GETATTR, nodeid, new GetattrIn(0, 0)), format);
        return new AttrReply(out.attr(), Duration.ofSeconds(out.attrValid(), out.attrValidNsec()));
    }

    /** MKDIR with a umask of 022. */
    public Entry mkdir(long parent, String name, int mode) {
        return entry(call(Opcode.MKDIR, parent, new MkdirIn(mode, 022, FileName.of(name))));
    }

    /** CREATE, opened for reading and writing, with a umask of 022. */
    public Created create(long parent, String name, int mode) {
        CreateOut out = Replies.createOut(call(Opcode.CREATE, parent,
                new CreateIn(02, 0100000 | (mode & 07777), 022, 0, FileName.of(name))), format);
        return new Created(entry(out.entry()), out.open().fh());
    }

    /** OPEN with {@code open(2)} {@code flags}; returns the handle. */
    public long open(long nodeid, int flags) {
        return Replies.openOut(call(Opcode.OPEN, nodeid, new OpenIn(flags, 0)), format).fh();
    }

    /** WRITE; returns the count the file system wrote. */
    public int write(long nodeid, long fh, long offset, byte[] data) {
        return Replies.writeOut(call(Opcode.WRITE, nodeid,
                new WriteIn(fh, offset, data.length, 0, 0, 0, Unpooled.wrappedBuffer(data))), format).size();
    }

    /** READ of at most {@code size} bytes (1 MiB at the most): what the file system answered. */
    public byte[] read(long nodeid, long fh, long offset, int size) {
        return ByteBufUtil.getBytes(call(Opcode.READ, nodeid, new ReadIn(fh, offset, size, 0, 0, 0)));
    }

    /** RELEASE of a handle from {@link #open} or {@link #create}. */
    public void release(long nodeid, long fh) {
        call(Opcode.RELEASE, nodeid, new ReleaseIn(fh, 0, 0, 0));
    }

    /** OPENDIR, READDIR to the end, RELEASEDIR: the names listed, "." and ".." included. */
    public List<String> list(long nodeid) {
        long fh = Replies.openOut(call(Opcode.OPENDIR, nodeid, new OpenIn(0, 0)), format).fh();
        List<String> names = new ArrayList<>();
        long offset = 0;
        try {
            while (true) {
                List<Dirent> page = Replies.direntsOut(call(Opcode.READDIR, nodeid,
                        new ReadIn(fh, offset, 4096, 0, 0, 0)), format).dirents();
                if (page.isEmpty()) {
                    return names;
                }
                for (Dirent dirent : page) {
                    names.add(dirent.name().toString());
                }
                offset = page.getLast().off();
            }
        } finally {
            call(Opcode.RELEASEDIR, nodeid, new ReleaseIn(fh, 0, 0, 0));
        }
    }

    /** UNLINK. */
    public void unlink(long parent, String name) {
        call(Opcode.UNLINK, parent, new NameIn(FileName.of(name)));
    }

    /** RMDIR. */
    public void rmdir(long parent, String name) {
        call(Opcode.RMDIR, parent, new NameIn(FileName.of(name)));
    }

    /** RENAME. */
    public void rename(long parent, String name, long newParent, String newName) {
        call(Opcode.RENAME, parent, new RenameIn(newParent, FileName.of(name), FileName.of(newName)));
    }

    /** STATFS. */
    public StatFs statfs() {
        return Replies.statfsOut(call(Opcode.STATFS, FileSystem.ROOT_ID, new EmptyIn()), format).statfs();
    }

    /**
     * FORGET of {@code nlookup} lookups of {@code nodeid}, on the high-priority queue as a guest
     * sends it; returns once the device has taken it (it has no reply).
     */
    public void forget(long nodeid, long nlookup) {
        ByteBuf request = Requests.encode(FuseMessage.of(Opcode.FORGET, next(), nodeid, new ForgetIn(nlookup)),
                format);
        try {
            driver.submit(VirtioFsDevice.HIPRIO_QUEUE, request, 0);
            driver.await(VirtioFsDevice.HIPRIO_QUEUE);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the device did not take a FORGET: " + e.getMessage(), e);
        } finally {
            request.release();
        }
    }

    /** Ends the session (DESTROY), then resets the device and frees the guest's memory. */
    @Override
    public void close() {
        try {
            call(Opcode.DESTROY, 0, new EmptyIn());
        } catch (RuntimeException e) {
            // a session that never started, or a device that broke: closing goes on
        } finally {
            driver.close();
            device.close();
        }
    }

    private long next() {
        unique += 2;
        return unique;
    }

    /** Sends one request and returns the body of its successful reply, or throws its error. */
    private ByteBuf call(Opcode opcode, long nodeid, FuseRequest body) {
        ByteBuf request = Requests.encode(FuseMessage.of(opcode, next(), nodeid, body), format);
        ByteBuf reply;
        try {
            reply = driver.exchange(REQUEST_QUEUE, request, REPLY_BYTES);
        } catch (TimeoutException e) {
            throw new IllegalStateException(opcode + " was not answered: " + e.getMessage(), e);
        } finally {
            request.release();
        }
        OutHeader header = OutHeader.decode(reply, format.order());
        if (header.error() != 0) {
            throw new ErrnoException(Errno.of(-header.error()));
        }
        return reply;
    }

    private Entry entry(ByteBuf reply) {
        return entry(Replies.entryOut(reply, format));
    }

    private static Entry entry(EntryOut out) {
        return new Entry(out.nodeid(), out.generation(), out.attr(),
                Duration.ofSeconds(out.entryValid(), out.entryValidNsec()),
                Duration.ofSeconds(out.attrValid(), out.attrValidNsec()));
    }
}
