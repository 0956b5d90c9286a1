package io.virtiofs.api.node;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Attr;
import io.virtiofs.api.Context;
import io.virtiofs.api.OpenReply;
import java.nio.charset.StandardCharsets;

/**
 * A read-only file whose content is a byte array given at construction (not copied: do not
 * change it afterwards). The driver keeps the content cached from one open to the next.
 */
public class BytesFileNode extends FileNode {

    private final byte[] content;

    public BytesFileNode(byte[] content) {
        this.content = content;
    }

    /** A file holding {@code text} in UTF-8. */
    public BytesFileNode(String text) {
        this(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    protected void getattr(Context ctx, Attr.Builder attr) {
        attr.size(content.length).mode(0444);
    }

    @Override
    protected int openReplyFlags() {
        return OpenReply.KEEP_CACHE;
    }

    @Override
    protected void read(Context ctx, long offset, int size, ByteBuf dst) {
        if (offset >= content.length) {
            return;
        }
        int from = (int) offset;
        dst.writeBytes(content, from, Math.min(size, content.length - from));
    }
}
