package io.virtiofs.transport.fuse;

import java.util.Objects;

/**
 * The arguments of the {@code mount(2)} call that attaches a FUSE session to its mountpoint
 * (Linux {@code fs/fuse/inode.c}, "fuse_fs_parameters").
 *
 * @param source the mount's source: {@link FuseMountOptions#fsname()}
 * @param target the mountpoint
 * @param type {@code fuse} or {@code fuse.SUBTYPE}
 * @param flags the {@code MS_*} flags
 * @param data the FUSE option string:
 *     {@code fd=N,rootmode=40000,user_id=U,group_id=G[,default_permissions][,allow_other][,max_read=N][,labels]}
 */
record MountArguments(String source, String target, String type, long flags, String data) {

    /** {@code rootmode}: the root is a directory ({@code S_IFDIR}, octal as the kernel parses it). */
    static final String ROOT_MODE = "40000";

    MountArguments {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
    }

    /** The arguments for mounting with {@code options} the session on descriptor {@code fd}, for user {@code uid}. */
    static MountArguments of(FuseMountOptions options, int fd, int uid, int gid) {
        StringBuilder data = new StringBuilder()
                .append("fd=").append(fd)
                .append(",rootmode=").append(ROOT_MODE)
                .append(",user_id=").append(Integer.toUnsignedString(uid))
                .append(",group_id=").append(Integer.toUnsignedString(gid));
        if (options.defaultPermissions()) {
            data.append(",default_permissions");
        }
        if (options.allowOther()) {
            data.append(",allow_other");
        }
        options.maxRead().ifPresent(bytes -> data.append(",max_read=").append(bytes));
        long flags = MountFlagOption.DEFAULT_FLAGS;
        for (String option : options.extraOptions()) {
            var flag = MountFlagOption.of(option);
            if (flag.isPresent()) {
                flags = flag.get().applyTo(flags);
            } else {
                data.append(',').append(option);
            }
        }
        return new MountArguments(options.fsname(), options.mountpoint().toString(), options.fileSystemType(), flags,
                data.toString());
    }
}
