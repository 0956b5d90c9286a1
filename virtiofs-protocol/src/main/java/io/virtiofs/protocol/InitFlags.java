package io.virtiofs.protocol;

import io.virtiofs.api.Capability;
import java.util.EnumSet;
import java.util.Set;

/**
 * The wire bits of the FUSE INIT flags ({@code FUSE_ASYNC_READ} ... {@code FUSE_REQUEST_TIMEOUT}),
 * as one 64-bit word: {@code flags | flags2 << 32}.
 */
public final class InitFlags {

    private InitFlags() {
    }

    /** The bit of a capability in the 64-bit flags word. */
    public static long bit(Capability capability) {
        return 1L << switch (capability) {
            case ASYNC_READ -> 0;
            case POSIX_LOCKS -> 1;
            case FILE_OPS -> 2;
            case ATOMIC_O_TRUNC -> 3;
            case EXPORT_SUPPORT -> 4;
            case BIG_WRITES -> 5;
            case DONT_MASK -> 6;
            case SPLICE_WRITE -> 7;
            case SPLICE_MOVE -> 8;
            case SPLICE_READ -> 9;
            case FLOCK_LOCKS -> 10;
            case HAS_IOCTL_DIR -> 11;
            case AUTO_INVAL_DATA -> 12;
            case DO_READDIRPLUS -> 13;
            case READDIRPLUS_AUTO -> 14;
            case ASYNC_DIO -> 15;
            case WRITEBACK_CACHE -> 16;
            case NO_OPEN_SUPPORT -> 17;
            case PARALLEL_DIROPS -> 18;
            case HANDLE_KILLPRIV -> 19;
            case POSIX_ACL -> 20;
            case ABORT_ERROR -> 21;
            case MAX_PAGES -> 22;
            case CACHE_SYMLINKS -> 23;
            case NO_OPENDIR_SUPPORT -> 24;
            case EXPLICIT_INVAL_DATA -> 25;
            case MAP_ALIGNMENT -> 26;
            case SUBMOUNTS -> 27;
            case HANDLE_KILLPRIV_V2 -> 28;
            case SETXATTR_EXT -> 29;
            case INIT_EXT -> 30;
            case INIT_RESERVED -> 31;
            case SECURITY_CTX -> 32;
            case HAS_INODE_DAX -> 33;
            case CREATE_SUPP_GROUP -> 34;
            case HAS_EXPIRE_ONLY -> 35;
            case DIRECT_IO_ALLOW_MMAP -> 36;
            case PASSTHROUGH -> 37;
            case NO_EXPORT_SUPPORT -> 38;
            case HAS_RESEND -> 39;
            case ALLOW_IDMAP -> 40;
            case OVER_IO_URING -> 41;
            case REQUEST_TIMEOUT -> 42;
        };
    }

    /** The capabilities whose bits are set in {@code flags}; unknown bits are left out. */
    public static Set<Capability> capabilities(long flags) {
        Set<Capability> result = EnumSet.noneOf(Capability.class);
        for (Capability capability : Capability.values()) {
            if ((flags & bit(capability)) != 0) {
                result.add(capability);
            }
        }
        return result;
    }

    /** The flags word of a set of capabilities. */
    public static long flags(Set<Capability> capabilities) {
        long flags = 0;
        for (Capability capability : capabilities) {
            flags |= bit(capability);
        }
        return flags;
    }

    /** The bits of {@code flags} that name no capability of FUSE 7.45. */
    public static long unknownBits(long flags) {
        return flags & ~flags(EnumSet.allOf(Capability.class));
    }
}
