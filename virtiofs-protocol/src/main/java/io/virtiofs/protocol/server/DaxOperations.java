package io.virtiofs.protocol.server;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.DaxWindow;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.SetupMappingRequest;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.message.RemovemappingIn;
import io.virtiofs.protocol.message.RemovemappingOne;
import io.virtiofs.protocol.message.SetupmappingIn;

/**
 * FUSE_SETUPMAPPING and FUSE_REMOVEMAPPING (virtio-fs specification, "Device Operation: DAX
 * Window"). Without a window (the transport has none) both answer ENOSYS; the driver then uses
 * READ and WRITE.
 */
final class DaxOperations {

    private final FileSystem fs;
    private final FuseServerConfig config;

    DaxOperations(FileSystem fs, FuseServerConfig config) {
        this.fs = fs;
        this.config = config;
    }

    private DaxWindow window() {
        return config.daxWindow().orElseThrow(() -> new ErrnoException(Errno.ENOSYS, "this device has no DAX window"));
    }

    /** Rejects a range beyond the window's end (the device MUST, per the specification). */
    static void checkInWindow(DaxWindow window, long offset, long length) {
        if (offset < 0 || length < 0 || offset > window.size() || length > window.size() - offset) {
            throw new ErrnoException(Errno.EINVAL, "DAX range at " + Long.toUnsignedString(offset) + " of "
                    + Long.toUnsignedString(length) + " bytes goes beyond the window's " + window.size() + " bytes");
        }
    }

    void setupmapping(Exchange exchange, ByteBuf body) {
        SetupmappingIn in = SetupmappingIn.decode(body, exchange.format());
        DaxWindow window = window();
        checkInWindow(window, in.moffset(), in.len());
        exchange.requireSpace(OutHeader.SIZE);
        fs.setupmapping(exchange, new SetupMappingRequest(exchange.nodeid(), in.fh(), in.foffset(), in.len(), in.flags(),
                in.moffset()), window);
        exchange.replyEmpty();
    }

    void removemapping(Exchange exchange, ByteBuf body) {
        RemovemappingIn in = RemovemappingIn.decode(body, exchange.format());
        DaxWindow window = window();
        for (RemovemappingOne one : in.ranges()) {
            checkInWindow(window, one.moffset(), one.len());
        }
        exchange.requireSpace(OutHeader.SIZE);
        for (RemovemappingOne one : in.ranges()) {
            fs.removemapping(exchange, one.moffset(), one.len(), window);
        }
        exchange.replyEmpty();
    }
}
