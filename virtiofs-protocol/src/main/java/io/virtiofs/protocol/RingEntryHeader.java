package io.virtiofs.protocol;

/**
 * The header area of one FUSE-over-io_uring ring entry ({@code struct fuse_uring_req_header},
 * {@value #SIZE} bytes, Linux {@code include/uapi/linux/fuse.h}): what the kernel writes beside
 * the entry's payload buffer for each request, and where the server's reply header goes back.
 *
 * <pre>
 *   0  in_out[128]     the request's fuse_in_header; the reply's fuse_out_header
 * 128  op_in[128]      the operation's own struct (fuse_read_in, fuse_write_in, ...)
 * 256  ring_ent_in_out struct fuse_uring_ent_in_out: flags (u64), commit_id (u64),
 *                      payload_sz (u32), padding
 * </pre>
 *
 * The rest of the request (names, write data), and the rest of the reply (after
 * {@code fuse_out_header}), are in the payload buffer, {@code payload_sz} bytes of it. All fields
 * are in the host's byte order.
 */
public final class RingEntryHeader {

    /** {@code sizeof(struct fuse_uring_req_header)}. */
    public static final int SIZE = 288;
    /** Where {@code fuse_in_header} (request) and {@code fuse_out_header} (reply) are. */
    public static final int IN_OUT_OFFSET = 0;
    /** Where the operation's struct is ({@code op_in}). */
    public static final int OP_IN_OFFSET = 128;
    /** The room for the operation's struct. */
    public static final int OP_IN_SIZE = 128;
    /** {@code ring_ent_in_out.commit_id}: echoed in the commit of the reply. */
    public static final int COMMIT_ID_OFFSET = 256 + 8;
    /** {@code ring_ent_in_out.payload_sz}: the bytes of the payload buffer in use (u32). */
    public static final int PAYLOAD_SIZE_OFFSET = 256 + 16;

    private RingEntryHeader() {
    }
}
