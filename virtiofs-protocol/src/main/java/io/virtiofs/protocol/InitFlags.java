package io.virtiofs.protocol;

import io.virtiofs.api.Capability;
import java.util.EnumSet;
import java.util.Set;

/**
 * The FUSE INIT flags as one 64-bit word ({@code flags | flags2 << 32}) and as sets of
 * {@link InitFlag} or {@link Capability}.
 */
public final class InitFlags {

    private static final long KNOWN = flags(EnumSet.allOf(InitFlag.class));

    private InitFlags() {
    }

    /** The bit of a capability in the 64-bit flags word. */
    public static long bit(Capability capability) {
        return InitFlag.of(capability).bit();
    }

    /** The flags whose bits are set in {@code flags}; unknown bits are left out. */
    public static Set<InitFlag> set(long flags) {
        Set<InitFlag> result = EnumSet.noneOf(InitFlag.class);
        for (InitFlag flag : InitFlag.values()) {
            if ((flags & flag.bit()) != 0) {
                result.add(flag);
            }
        }
        return result;
    }

    /** The capabilities whose bits are set in {@code flags}; the server's own flags are left out. */
    public static Set<Capability> capabilities(long flags) {
        Set<Capability> result = EnumSet.noneOf(Capability.class);
        for (Capability capability : Capability.values()) {
            if ((flags & bit(capability)) != 0) {
                result.add(capability);
            }
        }
        return result;
    }

    /** The flags word of a set of flags. */
    public static long flags(Set<InitFlag> set) {
        long flags = 0;
        for (InitFlag flag : set) {
            flags |= flag.bit();
        }
        return flags;
    }

    /** The flags word of a set of capabilities. */
    public static long capabilityFlags(Set<Capability> capabilities) {
        long flags = 0;
        for (Capability capability : capabilities) {
            flags |= bit(capability);
        }
        return flags;
    }

    /** The bits of {@code flags} that name no flag of FUSE 7.45. */
    public static long unknownBits(long flags) {
        return flags & ~KNOWN;
    }
}
