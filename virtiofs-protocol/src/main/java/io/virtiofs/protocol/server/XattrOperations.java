package io.virtiofs.protocol.server;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.XattrFlags;
import io.virtiofs.api.XattrName;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.message.GetxattrIn;
import io.virtiofs.protocol.message.GetxattrOut;
import io.virtiofs.protocol.message.ListxattrIn;
import io.virtiofs.protocol.message.RemovexattrIn;
import io.virtiofs.protocol.message.SetxattrIn;
import java.util.List;

/**
 * Extended attributes. The server answers the size protocol itself: a request of size 0 asks how
 * big the value (or name list) is; a value bigger than the size asked for is ERANGE.
 */
final class XattrOperations {

    /** XATTR_LIST_MAX: the longest name list Linux accepts. */
    static final int LIST_MAX = 65536;

    private final FileSystem fs;

    XattrOperations(FileSystem fs) {
        this.fs = fs;
    }

    void setxattr(Exchange exchange, ByteBuf body) {
        SetxattrIn in = SetxattrIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE);
        fs.setxattr(exchange, exchange.nodeid(), in.name(), in.value(), new XattrFlags(in.flags(), in.setxattrFlags()));
        exchange.replyEmpty();
    }

    void getxattr(Exchange exchange, ByteBuf body) {
        GetxattrIn in = GetxattrIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE + GetxattrOut.SIZE);
        byte[] value = fs.getxattr(exchange, exchange.nodeid(), in.name());
        replySized(exchange, in.size(), value);
    }

    void listxattr(Exchange exchange, ByteBuf body) {
        ListxattrIn in = ListxattrIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE + GetxattrOut.SIZE);
        List<XattrName> names = fs.listxattr(exchange, exchange.nodeid());
        int size = 0;
        for (XattrName name : names) {
            size += name.length() + 1;
        }
        if (size > LIST_MAX) {
            throw new ErrnoException(Errno.E2BIG, "the xattr name list has " + size + " bytes");
        }
        byte[] list = new byte[size];
        int at = 0;
        for (XattrName name : names) {
            for (int i = 0, n = name.length(); i < n; i++) {
                list[at++] = name.byteAt(i);
            }
            list[at++] = 0;
        }
        replySized(exchange, in.size(), list);
    }

    private static void replySized(Exchange exchange, int size, byte[] value) {
        if (size == 0) {
            exchange.reply(new GetxattrOut(value.length));
        } else if (Integer.compareUnsigned(value.length, size) > 0) {
            throw new ErrnoException(Errno.ERANGE, "the value has " + value.length + " bytes; " + size + " were asked for");
        } else {
            exchange.replyBytes(value);
        }
    }

    void removexattr(Exchange exchange, ByteBuf body) {
        RemovexattrIn in = RemovexattrIn.decode(body, exchange.format());
        exchange.requireSpace(OutHeader.SIZE);
        fs.removexattr(exchange, exchange.nodeid(), in.name());
        exchange.replyEmpty();
    }
}
