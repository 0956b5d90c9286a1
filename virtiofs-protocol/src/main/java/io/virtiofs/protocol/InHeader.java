package io.virtiofs.protocol;

import io.netty.buffer.ByteBuf;

/**
 * The header of every request ({@code struct fuse_in_header}, {@value #SIZE} bytes).
 *
 * @param len the whole request's length in bytes, header and extensions included
 * @param opcode the raw opcode ({@link Opcode#of(int)} names it)
 * @param unique the request id, echoed in the reply; its top bit marks a resend
 * @param nodeid the node the request is about
 * @param uid the caller's uid
 * @param gid the caller's gid
 * @param pid the caller's pid
 * @param totalExtlen the length of the extensions after the request body, in 8-byte units
 */
public record InHeader(int len, int opcode, long unique, long nodeid, int uid, int gid, int pid, int totalExtlen) {

    /** {@code sizeof(struct fuse_in_header)}. */
    public static final int SIZE = 40;

    /** Offset of {@code len}. */
    public static final int LENGTH_OFFSET = 0;

    /** Offset of {@code opcode}, for byte order detection. */
    public static final int OPCODE_OFFSET = 4;

    /** Offset of {@code unique}. */
    public static final int UNIQUE_OFFSET = 8;

    /** FUSE_UNIQUE_RESEND: the top bit of {@code unique} marks a request the driver resent. */
    public static final long UNIQUE_RESEND = 1L << 63;

    public InHeader {
        if (totalExtlen < 0 || totalExtlen > 0xffff) {
            throw new IllegalArgumentException("total_extlen " + totalExtlen + " is outside 0..65535");
        }
    }

    /** The length of the extensions in bytes. */
    public int extensionsLength() {
        return totalExtlen * 8;
    }

    /**
     * Reads a header at the reader index. The caller checks that {@value #SIZE} bytes are
     * readable.
     */
    public static InHeader decode(ByteBuf in, WireOrder order) {
        int len = order.readInt(in);
        int opcode = order.readInt(in);
        long unique = order.readLong(in);
        long nodeid = order.readLong(in);
        int uid = order.readInt(in);
        int gid = order.readInt(in);
        int pid = order.readInt(in);
        int totalExtlen = order.readUnsignedShort(in);
        in.skipBytes(2); // padding
        return new InHeader(len, opcode, unique, nodeid, uid, gid, pid, totalExtlen);
    }

}
