package io.virtiofs.testkit.protocol.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.Unpooled;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.IoctlReply;
import io.virtiofs.api.OpenReply;
import io.virtiofs.protocol.message.DataOut;
import io.virtiofs.protocol.message.GetxattrIn;
import io.virtiofs.protocol.message.IoctlIn;
import io.virtiofs.protocol.message.IoctlOut;
import io.virtiofs.protocol.message.NotifyPruneOut;
import io.virtiofs.protocol.message.NotifyReplyIn;
import io.virtiofs.protocol.message.OpenOut;
import io.virtiofs.protocol.message.RemovemappingIn;
import io.virtiofs.protocol.message.RemovemappingOne;
import io.virtiofs.protocol.message.RemovexattrIn;
import io.virtiofs.protocol.message.SetxattrIn;
import io.virtiofs.protocol.message.WriteIn;
import java.util.Collections;
import org.junit.jupiter.api.Test;

/** Records refuse values no wire message can hold, and keep their own copies of arrays. */
class RecordValidationTest {

    @Test
    void lengthsMustMatchTheirData() {
        assertThrows(IllegalArgumentException.class,
                () -> new WriteIn(0, 0, 2, 0, 0, 0, Unpooled.wrappedBuffer(new byte[3])));
        assertThrows(IllegalArgumentException.class,
                () -> new IoctlIn(0, 0, 0, 0, 1, 0, Unpooled.wrappedBuffer(new byte[0])));
        assertThrows(IllegalArgumentException.class,
                () -> new NotifyReplyIn(0, -1, Unpooled.wrappedBuffer(new byte[0])));
        assertThrows(IllegalArgumentException.class, () -> new SetxattrIn(2, 0, 0, "user.a", new byte[3]));
    }

    @Test
    void xattrNamesAndValuesHaveLinuxLimits() {
        // Names are XattrName values, which check themselves as setxattr(2) does.
        assertEquals(Errno.ERANGE, assertThrows(ErrnoException.class, () -> new GetxattrIn(0, "")).errno());
        assertEquals(Errno.ERANGE, assertThrows(ErrnoException.class, () -> new GetxattrIn(0, "u".repeat(256))).errno());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> new RemovexattrIn("a\0b")).errno());
        assertEquals(Errno.ERANGE,
                assertThrows(ErrnoException.class, () -> new RemovexattrIn("\u00e4".repeat(128))).errno());
        assertEquals(255, new RemovexattrIn("u".repeat(255)).name().length());
        assertThrows(IllegalArgumentException.class,
                () -> new SetxattrIn(65537, 0, 0, "user.a", new byte[65537]));
    }

    @Test
    void countsHaveTheirBounds() {
        assertThrows(IllegalArgumentException.class, () -> new RemovemappingIn(
                Collections.nCopies(RemovemappingIn.MAX_COUNT + 1, new RemovemappingOne(0, 0))));
    }

    @Test
    void arraysAreCopiedInAndOut() {
        byte[] value = {1, 2, 3};
        SetxattrIn setxattr = new SetxattrIn(3, 0, 0, "user.a", value);
        value[0] = 9;
        setxattr.value()[1] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, setxattr.value());
        assertEquals(new SetxattrIn(3, 0, 0, "user.a", new byte[] {1, 2, 3}), setxattr);
        assertEquals(new SetxattrIn(3, 0, 0, "user.a", new byte[] {1, 2, 3}).hashCode(), setxattr.hashCode());
        assertNotEquals(new SetxattrIn(3, 0, 0, "user.a", new byte[] {1, 2, 4}), setxattr);

        byte[] data = {4, 5};
        IoctlOut ioctl = IoctlOut.of(new IoctlReply(-1, data));
        data[0] = 9;
        ioctl.data()[1] = 9;
        assertEquals(new IoctlOut(-1, 0, 0, 0, new byte[] {4, 5}), ioctl);

        long[] nodeids = {1, 2};
        NotifyPruneOut prune = new NotifyPruneOut(nodeids);
        nodeids[0] = 9;
        prune.nodeids()[1] = 9;
        assertArrayEquals(new long[] {1, 2}, prune.nodeids());
        assertEquals(new NotifyPruneOut(new long[] {1, 2}).hashCode(), prune.hashCode());
    }

    @Test
    void repliesFromTheFileSystemsAnswers() {
        assertEquals(new OpenOut(7, OpenReply.KEEP_CACHE, 0), OpenOut.of(new OpenReply(7, OpenReply.KEEP_CACHE)));
        assertArrayEquals(new byte[] {1, 2}, Encoded.bytes(out -> DataOut.of(new byte[] {1, 2})
                .encode(out, io.virtiofs.protocol.WireFormat.current(io.virtiofs.protocol.WireOrder.BIG_ENDIAN))));
    }
}
