package io.virtiofs.passthrough;

import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.SecurityLabel;
import io.virtiofs.api.XattrFlags;
import io.virtiofs.api.XattrName;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.NodeCalls;
import io.virtiofs.transport.internal.nativeio.StatxBuffer;
import io.virtiofs.transport.internal.nativeio.XattrCalls;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Extended attributes, carried out as the caller on {@code /proc/self/fd/N} (the thread's
 * working directory is {@code /proc/self/fd}, so the name is just N): the path calls follow that
 * magic link to the node behind descriptor N, whatever its type, without opening it.
 *
 * <p>Which names reach the host: with an {@link XattrMapping}, what it says; without one,
 * {@code user.} names pass, {@code trusted.} and {@code security.} names are refused (EPERM to
 * set or remove, ENODATA to read, hidden from lists: a guest's file capabilities or overlayfs
 * metadata must not become the host's), but for the security label with {@code --security-label};
 * {@code system.posix_acl_*} pass with {@code --posix-acl} and are EOPNOTSUPP without; every other
 * namespace is EOPNOTSUPP. A guest caller other than root never reaches a {@code trusted.} or
 * {@code security.} name the mapping moved into {@code user.} (the host would no longer check the
 * privilege those namespaces need).
 */
final class XattrOps {

    private static final String CAPABILITY = "security.capability";

    private final Share share;
    private final @Nullable XattrMapping mapping;
    private final boolean enabled;
    private final boolean acls;
    private final boolean labels;

    XattrOps(Share share) {
        this.share = share;
        PassthroughConfig config = share.config;
        this.mapping = config.xattrMapping();
        this.enabled = config.servesXattrs();
        this.acls = config.posixAcls();
        this.labels = config.securityLabel();
    }

    /**
     * An xattr name as the text the mapping rules and the host calls take: EINVAL when it is not
     * well-formed UTF-8 (as the server answered before names were bytes).
     */
    static String text(XattrName name) {
        try {
            return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(name.toBytes())).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new ErrnoException(Errno.EINVAL, "the xattr name '" + name + "' is not UTF-8");
        }
    }

    private static boolean isAcl(String name) {
        return name.equals("system.posix_acl_access") || name.equals("system.posix_acl_default");
    }

    private static boolean isLabel(String name) {
        return name.equals("security.selinux") || name.equals("security.apparmor") || name.startsWith("security.SMACK64");
    }

    private static boolean isPrivileged(String name) {
        return name.startsWith("trusted.") || name.startsWith("security.");
    }

    /**
     * The host name for the guest's {@code name}, or an error: EOPNOTSUPP, EPERM (writes) or
     * ENODATA (reads) as the class description says.
     */
    String hostName(Context ctx, String name, boolean write) {
        if (!enabled) {
            throw new ErrnoException(Errno.EOPNOTSUPP, "extended attributes are off on this share (--xattr)");
        }
        if (name.startsWith("system.")) {
            if (isAcl(name) && acls) {
                return name;
            }
            throw new ErrnoException(Errno.EOPNOTSUPP, "xattr " + name + " is not supported"
                    + (isAcl(name) ? " (--posix-acl is off)" : ""));
        }
        if (mapping != null) {
            String host = mapping.toHost(name);
            if (isPrivileged(name) && !isPrivileged(host) && ctx.uid() != 0) {
                throw refused(name, write, "only the guest's root may use it");
            }
            return host;
        }
        if (name.startsWith("user.") || labels && isLabel(name)) {
            return name;
        }
        if (isPrivileged(name)) {
            throw refused(name, write, "give an --xattrmap to store it under another name");
        }
        throw new ErrnoException(Errno.EOPNOTSUPP, "xattr namespace of " + name + " is not supported");
    }

    private static ErrnoException refused(String name, boolean write, String why) {
        return new ErrnoException(write ? Errno.EPERM : Errno.ENODATA, "xattr " + name + " is refused: " + why);
    }

    /** The guest's name for a host name, or null when the guest does not see it. */
    @Nullable String guestName(String host) {
        if (host.startsWith("system.")) {
            return isAcl(host) && acls ? host : null;
        }
        if (mapping != null) {
            return mapping.toGuest(host);
        }
        return host.startsWith("user.") || labels && isLabel(host) ? host : null;
    }

    void setxattr(Context ctx, long nodeid, String name, byte[] value, XattrFlags flags) {
        share.requireWritable("setxattr");
        String host = hostName(ctx, name, true);
        if (value.length > ThreadScratch.XATTR_ROOM) {
            throw new ErrnoException(Errno.E2BIG, "xattr value of " + value.length + " bytes");
        }
        int hostFlags = (flags.create() ? XattrCalls.XATTR_CREATE : 0) | (flags.replace() ? XattrCalls.XATTR_REPLACE : 0);
        Node node = share.nodes.pin(nodeid);
        int fd = -1;
        try {
            fd = share.nodes.pathFd(node);
            ThreadScratch scratch = share.identity.prepare();
            MemorySegment buffer = scratch.large();
            MemorySegment.copy(value, 0, buffer, ValueLayout.JAVA_BYTE, 0, value.length);
            boolean switched = share.identity.become(ctx, scratch);
            try {
                XattrCalls.setxattr(scratch.descriptorName(fd), scratch.xattrName(host), buffer, value.length, hostFlags);
            } finally {
                share.identity.leave(switched, scratch);
            }
            if (flags.aclKillSgid() && host.equals("system.posix_acl_access")) {
                clearSetgid(fd, scratch);
            }
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            if (fd >= 0) {
                share.nodes.donePathFd(node, fd);
            }
            node.unpin();
        }
    }

    byte[] getxattr(Context ctx, long nodeid, String name) {
        String host = hostName(ctx, name, false);
        Node node = share.nodes.pin(nodeid);
        int fd = -1;
        try {
            fd = share.nodes.pathFd(node);
            ThreadScratch scratch = share.identity.prepare();
            MemorySegment buffer = scratch.large();
            int length;
            boolean switched = share.identity.become(ctx, scratch);
            try {
                length = XattrCalls.getxattr(scratch.descriptorName(fd), scratch.xattrName(host), buffer);
            } finally {
                share.identity.leave(switched, scratch);
            }
            return buffer.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            if (fd >= 0) {
                share.nodes.donePathFd(node, fd);
            }
            node.unpin();
        }
    }

    List<String> listxattr(Context ctx, long nodeid) {
        if (!enabled) {
            throw new ErrnoException(Errno.EOPNOTSUPP, "extended attributes are off on this share (--xattr)");
        }
        Node node = share.nodes.pin(nodeid);
        int fd = -1;
        try {
            fd = share.nodes.pathFd(node);
            ThreadScratch scratch = share.identity.prepare();
            MemorySegment buffer = scratch.large();
            int length;
            boolean switched = share.identity.become(ctx, scratch);
            try {
                length = XattrCalls.listxattr(scratch.descriptorName(fd), buffer);
            } finally {
                share.identity.leave(switched, scratch);
            }
            byte[] names = buffer.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
            List<String> visible = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < names.length; i++) {
                if (names[i] == 0) {
                    if (i > start) {
                        String guest = guestName(new String(names, start, i - start, StandardCharsets.UTF_8));
                        if (guest != null && (ctx.uid() == 0 || !guest.startsWith("trusted."))) {
                            visible.add(guest);
                        }
                    }
                    start = i + 1;
                }
            }
            return visible;
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            if (fd >= 0) {
                share.nodes.donePathFd(node, fd);
            }
            node.unpin();
        }
    }

    void removexattr(Context ctx, long nodeid, String name) {
        share.requireWritable("removexattr");
        String host = hostName(ctx, name, true);
        Node node = share.nodes.pin(nodeid);
        int fd = -1;
        try {
            fd = share.nodes.pathFd(node);
            ThreadScratch scratch = share.identity.prepare();
            boolean switched = share.identity.become(ctx, scratch);
            try {
                XattrCalls.removexattr(scratch.descriptorName(fd), scratch.xattrName(host));
            } finally {
                share.identity.leave(switched, scratch);
            }
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            if (fd >= 0) {
                share.nodes.donePathFd(node, fd);
            }
            node.unpin();
        }
    }

    /**
     * Gives a new node the security labels the guest sent with its creation (as this process; the
     * caller's identity need not be allowed to label). Does nothing without {@code --security-label}.
     */
    void applyLabels(Context ctx, int pathFd, ThreadScratch scratch) {
        if (!labels || ctx.securityLabels().isEmpty()) {
            return;
        }
        for (SecurityLabel label : ctx.securityLabels()) {
            String name = text(label.name());
            String host = mapping != null ? mapping.toHost(name) : name;
            byte[] value = label.value();
            if (value.length > ThreadScratch.XATTR_ROOM) {
                throw new ErrnoException(Errno.E2BIG, "security label of " + value.length + " bytes");
            }
            MemorySegment buffer = scratch.large();
            MemorySegment.copy(value, 0, buffer, ValueLayout.JAVA_BYTE, 0, value.length);
            try {
                XattrCalls.setxattr(scratch.descriptorName(pathFd), scratch.xattrName(host), buffer, value.length, 0);
            } catch (NativeException e) {
                throw e.toErrnoException();
            }
        }
    }

    /**
     * Removes the host attribute that the guest's {@code security.capability} is stored as, when
     * the mapping renames it (the host kernel removes only the real one on write, truncate and
     * chown).
     */
    void killMappedCapability(int pathFd, ThreadScratch scratch) {
        if (mapping == null) {
            return;
        }
        String host;
        try {
            host = mapping.toHost(CAPABILITY);
        } catch (ErrnoException refused) {
            return;
        }
        if (host.equals(CAPABILITY)) {
            return;
        }
        try {
            XattrCalls.removexattr(scratch.descriptorName(pathFd), scratch.xattrName(host));
        } catch (NativeException e) {
            if (e.errno() != Errno.ENODATA && e.errno() != Errno.EOPNOTSUPP && e.errno() != Errno.EPERM) {
                throw e.toErrnoException();
            }
        }
    }

    private void clearSetgid(int pathFd, ThreadScratch scratch) throws NativeException {
        StatxBuffer st = scratch.statx();
        NodeCalls.statx(pathFd, NodeCalls.emptyPath(), Share.EMPTY_NOFOLLOW, StatxBuffer.STATX_BASIC_STATS, st);
        if ((st.mode() & Share.S_ISGID) != 0) {
            NodeCalls.fchmodat(share.procFd, scratch.descriptorName(pathFd), st.mode() & 07777 & ~Share.S_ISGID);
        }
    }
}
