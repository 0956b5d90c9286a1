package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Errno;
import io.virtiofs.protocol.InHeader;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.WireFormat;
import java.util.Objects;

/**
 * A whole FUSE request: {@code struct fuse_in_header}, the body, the extensions.
 *
 * <p>{@link #decode} checks the framing (the header's {@code len} against the bytes, the
 * extensions against {@code len}, the opcode) before the body's record reads its part.
 * Writing one is the driver's side: virtiofs-testkit's {@code Requests}, which computes {@code len}
 * and {@code total_extlen} itself.
 *
 * @param header the header
 * @param body the body, of the record the opcode implies
 * @param extensions the extensions after the body
 */
public record FuseMessage(InHeader header, FuseRequest body, RequestExtensions extensions) {

    public FuseMessage {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(extensions, "extensions");
    }

    /** A request from uid, gid and pid 0, without extensions. */
    public static FuseMessage of(Opcode opcode, long unique, long nodeid, FuseRequest body) {
        return new FuseMessage(new InHeader(0, opcode.code(), unique, nodeid, 0, 0, 0, 0), body,
                RequestExtensions.NONE);
    }

    /** This request as sent by another caller. */
    public FuseMessage withCaller(int uid, int gid, int pid) {
        return new FuseMessage(new InHeader(header.len(), header.opcode(), header.unique(), header.nodeid(),
                uid, gid, pid, header.totalExtlen()), body, extensions);
    }

    /** This request with other extensions. */
    public FuseMessage withExtensions(RequestExtensions newExtensions) {
        return new FuseMessage(header, body, newExtensions);
    }

    /**
     * Decodes one whole request: {@code whole}'s readable bytes are exactly the request. On
     * success the reader index moves past it; on failure it stays where it was.
     *
     * @throws MalformedRequestException {@code EINVAL} when the framing or the body is broken,
     *     {@code ENOSYS} for an opcode FUSE 7.45 does not define
     */
    public static FuseMessage decode(ByteBuf whole, WireFormat format) {
        int available = whole.readableBytes();
        MalformedRequestException.requireReadable(whole, InHeader.SIZE, "fuse_in_header");
        int start = whole.readerIndex();
        InHeader header = InHeader.decode(whole, format.order());
        whole.readerIndex(start); // untouched until the whole request decoded
        long len = Integer.toUnsignedLong(header.len());
        if (len != available) {
            throw MalformedRequestException.invalid("fuse_in_header.len " + len + " but the request has "
                    + available + " bytes");
        }
        int extensionsLength = header.extensionsLength();
        if (extensionsLength > len - InHeader.SIZE) {
            throw MalformedRequestException.invalid("total_extlen " + header.totalExtlen() + " (" + extensionsLength
                    + " bytes) exceeds the " + (len - InHeader.SIZE) + " bytes after the header");
        }
        Opcode opcode = Opcode.of(header.opcode()).orElseThrow(() -> new MalformedRequestException(Errno.ENOSYS,
                "opcode " + Integer.toUnsignedString(header.opcode()) + " is unknown"));
        int bodyStart = start + InHeader.SIZE;
        int bodyLength = available - InHeader.SIZE - extensionsLength;
        FuseRequest body = RequestDecoder.decode(opcode, whole.slice(bodyStart, bodyLength), format);
        RequestExtensions extensions = extensionsLength == 0 ? RequestExtensions.NONE
                : RequestExtensions.decode(whole.slice(bodyStart + bodyLength, extensionsLength), format);
        whole.skipBytes(available);
        return new FuseMessage(header, body, extensions);
    }


}
