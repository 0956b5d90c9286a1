package io.virtiofs.protocol;

import io.netty.buffer.ByteBuf;

/**
 * The byte order of a FUSE session's messages, chosen once per session from the first request
 * (virtio-fs specification, "Device Operation: Request Queues": the driver's FUSE_INIT opcode
 * reveals it). Virtqueue structures are always little-endian and never go through this type.
 *
 * <p>Each method picks netty's explicit {@code ...LE} or big-endian accessor; nothing here swaps
 * bytes by hand.
 */
public enum WireOrder {
    LITTLE_ENDIAN {
        @Override
        public short readShort(ByteBuf buf) {
            return buf.readShortLE();
        }

        @Override
        public int readInt(ByteBuf buf) {
            return buf.readIntLE();
        }

        @Override
        public long readLong(ByteBuf buf) {
            return buf.readLongLE();
        }

        @Override
        public short getShort(ByteBuf buf, int index) {
            return buf.getShortLE(index);
        }

        @Override
        public int getInt(ByteBuf buf, int index) {
            return buf.getIntLE(index);
        }

        @Override
        public long getLong(ByteBuf buf, int index) {
            return buf.getLongLE(index);
        }

        @Override
        public ByteBuf writeShort(ByteBuf buf, int value) {
            return buf.writeShortLE(value);
        }

        @Override
        public ByteBuf writeInt(ByteBuf buf, int value) {
            return buf.writeIntLE(value);
        }

        @Override
        public ByteBuf writeLong(ByteBuf buf, long value) {
            return buf.writeLongLE(value);
        }

        @Override
        public ByteBuf setInt(ByteBuf buf, int index, int value) {
            return buf.setIntLE(index, value);
        }
    },
    BIG_ENDIAN {
        @Override
        public short readShort(ByteBuf buf) {
            return buf.readShort();
        }

        @Override
        public int readInt(ByteBuf buf) {
            return buf.readInt();
        }

        @Override
        public long readLong(ByteBuf buf) {
            return buf.readLong();
        }

        @Override
        public short getShort(ByteBuf buf, int index) {
            return buf.getShort(index);
        }

        @Override
        public int getInt(ByteBuf buf, int index) {
            return buf.getInt(index);
        }

        @Override
        public long getLong(ByteBuf buf, int index) {
            return buf.getLong(index);
        }

        @Override
        public ByteBuf writeShort(ByteBuf buf, int value) {
            return buf.writeShort(value);
        }

        @Override
        public ByteBuf writeInt(ByteBuf buf, int value) {
            return buf.writeInt(value);
        }

        @Override
        public ByteBuf writeLong(ByteBuf buf, long value) {
            return buf.writeLong(value);
        }

        @Override
        public ByteBuf setInt(ByteBuf buf, int index, int value) {
            return buf.setInt(index, value);
        }
    };

    public abstract short readShort(ByteBuf buf);

    public abstract int readInt(ByteBuf buf);

    public abstract long readLong(ByteBuf buf);

    public abstract short getShort(ByteBuf buf, int index);

    public abstract int getInt(ByteBuf buf, int index);

    public abstract long getLong(ByteBuf buf, int index);

    public abstract ByteBuf writeShort(ByteBuf buf, int value);

    public abstract ByteBuf writeInt(ByteBuf buf, int value);

    public abstract ByteBuf writeLong(ByteBuf buf, long value);

    public abstract ByteBuf setInt(ByteBuf buf, int index, int value);

    /** An unsigned 16-bit field. */
    public int readUnsignedShort(ByteBuf buf) {
        return readShort(buf) & 0xffff;
    }

    /** An unsigned 32-bit field, for lengths and counts that must not turn negative. */
    public long readUnsignedInt(ByteBuf buf) {
        return readInt(buf) & 0xffff_ffffL;
    }

    /**
     * The byte order in which the first request's opcode, at {@code opcodeIndex}, reads as
     * {@code expected}; empty when it does in neither.
     */
    public static java.util.Optional<WireOrder> detect(ByteBuf buf, int opcodeIndex, int expected) {
        if (buf.getIntLE(opcodeIndex) == expected) {
            return java.util.Optional.of(LITTLE_ENDIAN);
        }
        if (buf.getInt(opcodeIndex) == expected) {
            return java.util.Optional.of(BIG_ENDIAN);
        }
        return java.util.Optional.empty();
    }
}
