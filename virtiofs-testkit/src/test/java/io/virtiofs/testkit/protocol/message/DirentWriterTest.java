package io.virtiofs.testkit.protocol.message;

import static io.virtiofs.testkit.protocol.message.RequestErrorsTest.ascii;
import static io.virtiofs.testkit.protocol.message.RequestErrorsTest.concat;
import static io.virtiofs.testkit.protocol.message.RequestErrorsTest.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Attr;
import io.virtiofs.api.Entry;
import io.virtiofs.api.FileName;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.Dirent;
import io.virtiofs.protocol.message.DirentWriter;
import io.virtiofs.protocol.message.Direntplus;
import io.virtiofs.protocol.message.DirentplusOut;
import io.virtiofs.protocol.message.DirentsOut;
import io.virtiofs.protocol.message.EntryOut;
import io.virtiofs.testkit.support.Seeds;
import io.virtiofs.testkit.wire.Replies;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Directory entries written straight into a bounded reply. */
class DirentWriterTest {

    private static final WireFormat LE = WireFormat.current(WireOrder.LITTLE_ENDIAN);
    private static final WireFormat BE = WireFormat.current(WireOrder.BIG_ENDIAN);
    private static final FileName ABC = FileName.of("abc");

    private static final byte[] ABC_LE = concat(hex("0900000000000000 0a00000000000000 03000000 04000000"),
            ascii("abc"), new byte[5]);

    /** A buffer that may hold at most {@code max} bytes. */
    private static ByteBuf bounded(int max) {
        return Unpooled.buffer(0, max);
    }

    @Test
    void sizesArePaddedToEightBytes() {
        assertEquals(32, DirentWriter.direntSize(FileName.of("a")));
        assertEquals(32, DirentWriter.direntSize(FileName.of("12345678")));
        assertEquals(40, DirentWriter.direntSize(FileName.of("123456789")));
        assertEquals(280, DirentWriter.direntSize(FileName.of("n".repeat(255))));
        assertEquals(128 + 32, DirentWriter.direntplusSize(LE, ABC));
        assertEquals(120 + 32, DirentWriter.direntplusSize(new WireFormat(WireOrder.LITTLE_ENDIAN, 8, false), ABC));
    }

    @Test
    void aDirentThatFitsIsWrittenWhole() {
        ByteBuf out = bounded(32);
        try {
            assertTrue(DirentWriter.writeDirent(out, LE, 9, 10, 4, ABC));
            assertArrayEquals(ABC_LE, ByteBufUtil.getBytes(out));
        } finally {
            out.release();
        }
        assertArrayEquals(concat(hex("0000000000000009 000000000000000a 00000003 00000004"), ascii("abc"),
                new byte[5]), Encoded.bytes(out2 -> DirentWriter.writeDirent(out2, BE, 9, 10, 4, ABC)));
    }

    @Test
    void aDirentThatDoesNotFitWritesNothing() {
        ByteBuf out = bounded(31);
        try {
            out.writeByte(0x55);
            assertFalse(DirentWriter.writeDirent(out, LE, 9, 10, 4, ABC));
            assertArrayEquals(hex("55"), ByteBufUtil.getBytes(out));
        } finally {
            out.release();
        }
    }

    @Test
    void entriesAreWrittenUntilTheReplyIsFull() {
        ByteBuf out = bounded(100);
        try {
            int written = 0;
            for (String name : List.of("a", "b", "c", "d")) {
                if (!DirentWriter.writeDirent(out, LE, written + 1, written + 1, 8, FileName.of(name))) {
                    break;
                }
                written++;
            }
            assertEquals(3, written);
            assertEquals(96, out.writerIndex());
            assertEquals(new DirentsOut(List.of(new Dirent(1, 1, 8, FileName.of("a")),
                    new Dirent(2, 2, 8, FileName.of("b")), new Dirent(3, 3, 8, FileName.of("c")))),
                    Replies.direntsOut(out, LE));
        } finally {
            out.release();
        }
    }

    @Test
    void aDirentplusCarriesTheEntryAndTakesInoAndTypeFromItsAttributes() {
        Attr attr = Attr.builder().ino(77).mode(0040755).nlink(2).build();
        Entry entry = new Entry(5, 6, attr, Duration.ofSeconds(1, 2), Duration.ofSeconds(3, 4));
        byte[] expectedEntry = Encoded.bytes(out -> EntryOut.of(entry).encode(out, LE));
        byte[] expectedDirent = concat(hex("4d00000000000000 0c00000000000000 03000000 04000000"), ascii("abc"),
                new byte[5]);
        ByteBuf out = bounded(160);
        try {
            assertTrue(DirentWriter.writeDirentplus(out, LE, entry, 12, ABC));
            assertArrayEquals(concat(expectedEntry, expectedDirent), ByteBufUtil.getBytes(out));
        } finally {
            out.release();
        }
        ByteBuf small = bounded(159);
        try {
            assertFalse(DirentWriter.writeDirentplus(small, LE, entry, 12, ABC));
            assertEquals(0, small.writerIndex());
        } finally {
            small.release();
        }
    }

    @Test
    void aNegativeDirentplusGivesOnlyTheName() {
        Entry negative = Entry.negative(Duration.ofSeconds(1));
        byte[] bytes = Encoded.bytes(out -> DirentWriter.writeDirentplus(out, LE, negative, 3, ABC));
        DirentplusOut decoded = Replies.direntplusOut(Unpooled.wrappedBuffer(bytes), LE);
        assertEquals(new DirentplusOut(List.of(new Direntplus(EntryOut.of(negative), new Dirent(0, 3, 0, ABC)))),
                decoded);
    }

    /**
     * A heap page (stored into field by field through its array) holds the bytes the buffer
     * methods write into a direct buffer, for names of every padding.
     */
    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void aHeapPageHoldsTheSameBytesAsADirectBuffer(WireOrder order) {
        long seed = Seeds.orElse(System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        WireFormat format = WireFormat.current(order);
        // a slice at an offset into a larger array, as the server's listing scratch is
        ByteBuf heap = Unpooled.buffer(4096 + 100).writerIndex(100).slice(100, 4096).clear();
        ByteBuf direct = Unpooled.directBuffer(4096, 4096);
        try {
            assertTrue(heap.hasArray() && heap.arrayOffset() == 100 && !direct.hasArray());
            int written = 0;
            while (true) {
                byte[] bytes = new byte[1 + random.nextInt(40)];
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] = (byte) ('a' + random.nextInt(26));
                }
                FileName name = FileName.of(bytes);
                long ino = random.nextLong();
                long off = random.nextLong();
                int type = random.nextInt(16);
                boolean intoHeap = DirentWriter.writeDirent(heap, format, ino, off, type, name);
                boolean intoDirect = DirentWriter.writeDirent(direct, format, ino, off, type, name);
                assertEquals(intoDirect, intoHeap, "seed " + seed);
                if (!intoHeap) {
                    break;
                }
                written++;
            }
            assertArrayEquals(ByteBufUtil.getBytes(direct), ByteBufUtil.getBytes(heap), "seed " + seed);
            List<Dirent> decoded = Replies.direntsOut(heap, format).dirents();
            assertEquals(written, decoded.size(), "seed " + seed);
        } finally {
            heap.release();
            direct.release();
        }
    }
}
