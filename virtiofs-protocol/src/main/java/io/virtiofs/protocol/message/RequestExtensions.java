package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Errno;
import io.virtiofs.api.SecurityLabel;
import io.virtiofs.api.XattrName;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The extensions after a request body ({@code fuse_in_header.total_extlen} 8-byte units): a chain
 * of {@code struct fuse_ext_header}, each {@code size} bytes long (header included, a multiple of
 * 8), with the type saying what follows.
 *
 * <ul>
 *   <li>types 0..{@value #MAX_NR_SECCTX}: the security context extension, whose header is
 *       {@code struct fuse_secctx_header} with the type as {@code nr_secctx}; each
 *       {@code struct fuse_secctx} is followed by the NUL-terminated xattr name and
 *       {@code fuse_secctx.size} bytes of label, padded to 8 bytes;
 *   <li>{@value #EXT_GROUPS}, FUSE_EXT_GROUPS: {@code struct fuse_supp_groups}, a count and the
 *       group ids.
 * </ul>
 *
 * Unknown types are skipped; an extension whose sizes do not fit, or a second one of the same
 * kind, is {@code EINVAL}. A label's bytes are kept as sent: Linux counts an SELinux context's
 * terminating NUL in {@code fuse_secctx.size}, and a file system stores the bytes as the xattr's
 * value unchanged.
 *
 * @param securityLabels the labels of a node being created (FUSE_SECURITY_CTX)
 * @param supplementaryGroups the caller's supplementary groups (FUSE_CREATE_SUPP_GROUP); the
 *     record keeps its own copy
 */
public record RequestExtensions(List<SecurityLabel> securityLabels, int[] supplementaryGroups) {

    /** FUSE_MAX_NR_SECCTX: the highest type of the security context extension. */
    public static final int MAX_NR_SECCTX = 31;
    /** FUSE_EXT_GROUPS. */
    public static final int EXT_GROUPS = 32;
    /** {@code sizeof(struct fuse_ext_header)}, also {@code sizeof(struct fuse_secctx_header)}. */
    public static final int HEADER_SIZE = 8;
    /** {@code sizeof(struct fuse_secctx)}. */
    public static final int SECCTX_SIZE = 8;

    /** No extensions. */
    public static final RequestExtensions NONE = new RequestExtensions(List.of(), new int[0]);

    public RequestExtensions {
        securityLabels = List.copyOf(securityLabels);
        supplementaryGroups = supplementaryGroups.clone();
        if (securityLabels.size() > MAX_NR_SECCTX) {
            throw new IllegalArgumentException(securityLabels.size() + " security labels exceed " + MAX_NR_SECCTX);
        }
    }

    /** A copy of the supplementary groups. */
    @Override
    public int[] supplementaryGroups() {
        return supplementaryGroups.clone();
    }

    /** The number of supplementary groups. */
    public int supplementaryGroupCount() {
        return supplementaryGroups.length;
    }

    /** The supplementary group at {@code index}. */
    public int supplementaryGroup(int index) {
        return supplementaryGroups[index];
    }

    /** Whether there is nothing to encode. */
    public boolean isEmpty() {
        return securityLabels.isEmpty() && supplementaryGroups.length == 0;
    }

    /**
     * Decodes the extensions: {@code extensions}' readable bytes are exactly the
     * {@code total_extlen * 8} bytes after the body.
     *
     * @throws MalformedRequestException ({@code EINVAL}) when a size does not fit
     */
    public static RequestExtensions decode(ByteBuf extensions, WireFormat format) {
        if (!extensions.isReadable()) {
            return NONE;
        }
        WireOrder order = format.order();
        List<SecurityLabel> labels = null;
        int[] groups = null;
        while (extensions.isReadable()) {
            MalformedRequestException.requireReadable(extensions, HEADER_SIZE, "fuse_ext_header");
            long size = order.readUnsignedInt(extensions);
            long type = order.readUnsignedInt(extensions);
            if (size < HEADER_SIZE || size % 8 != 0 || size - HEADER_SIZE > extensions.readableBytes()) {
                throw MalformedRequestException.invalid("extension of type " + type + " and size " + size
                        + " does not fit into " + (extensions.readableBytes() + HEADER_SIZE) + " bytes");
            }
            ByteBuf body = extensions.readSlice((int) size - HEADER_SIZE);
            if (type <= MAX_NR_SECCTX) {
                if (labels != null) {
                    throw MalformedRequestException.invalid("a second security context extension");
                }
                labels = decodeSecurityContext(body, (int) type, order);
            } else if (type == EXT_GROUPS) {
                if (groups != null) {
                    throw MalformedRequestException.invalid("a second supplementary groups extension");
                }
                groups = decodeGroups(body, order);
            }
            // Other types are newer than this library: skipped.
        }
        return new RequestExtensions(labels == null ? List.of() : labels, groups == null ? new int[0] : groups);
    }

    private static List<SecurityLabel> decodeSecurityContext(ByteBuf body, int count, WireOrder order) {
        List<SecurityLabel> labels = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int start = body.readerIndex();
            MalformedRequestException.requireReadable(body, SECCTX_SIZE, "fuse_secctx");
            long valueSize = order.readUnsignedInt(body);
            body.skipBytes(4); // padding
            byte[] nameBytes = NulTerminated.readUpToNul(body, NulTerminated.XATTR_NAME_MAX, Errno.EINVAL,
                    "security label name");
            if (nameBytes.length == 0) {
                throw MalformedRequestException.invalid("security label name is empty");
            }
            XattrName name = XattrName.ofOwned(nameBytes);
            if (valueSize > body.readableBytes()) {
                throw MalformedRequestException.invalid("security label of " + valueSize + " bytes exceeds the "
                        + body.readableBytes() + " left in its extension");
            }
            byte[] value = new byte[(int) valueSize];
            body.readBytes(value);
            int used = body.readerIndex() - start;
            body.skipBytes(Math.min(align8(used) - used, body.readableBytes()));
            labels.add(new SecurityLabel(name, value));
        }
        return labels;
    }

    private static int[] decodeGroups(ByteBuf body, WireOrder order) {
        MalformedRequestException.requireReadable(body, 4, "fuse_supp_groups");
        long count = order.readUnsignedInt(body);
        if (count * 4 > body.readableBytes()) {
            throw MalformedRequestException.invalid(count + " supplementary groups exceed the "
                    + body.readableBytes() + " bytes of their extension");
        }
        int[] groups = new int[(int) count];
        for (int i = 0; i < groups.length; i++) {
            groups[i] = order.readInt(body);
        }
        return groups;
    }

    private static int align8(int size) {
        return (size + 7) & ~7;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RequestExtensions that && securityLabels.equals(that.securityLabels)
                && Arrays.equals(supplementaryGroups, that.supplementaryGroups);
    }

    @Override
    public int hashCode() {
        return Objects.hash(securityLabels) * 31 + Arrays.hashCode(supplementaryGroups);
    }

    @Override
    public String toString() {
        return "RequestExtensions[securityLabels=" + securityLabels + ", supplementaryGroups="
                + Arrays.toString(supplementaryGroups) + "]";
    }
}
