package io.virtiofs.protocol.server;

import io.virtiofs.api.Capability;
import io.virtiofs.api.DaxWindow;
import io.virtiofs.api.InitConfig;
import io.virtiofs.api.Notifier;
import io.virtiofs.protocol.InitFlags;
import io.virtiofs.protocol.ProtocolVersion;
import io.virtiofs.protocol.message.InitIn;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * FUSE_INIT negotiation: the server's defaults, the file system's adjustments through
 * {@link InitConfig}, and the driver's offer, settled into a {@link Negotiation}.
 */
final class SessionSetup implements InitConfig {

    /** Capabilities the server accepts by default: they need nothing from the file system. */
    private static final Set<Capability> DEFAULTS = EnumSet.of(
            Capability.ASYNC_READ, Capability.BIG_WRITES, Capability.MAX_PAGES, Capability.PARALLEL_DIROPS,
            Capability.AUTO_INVAL_DATA, Capability.ASYNC_DIO, Capability.INIT_EXT, Capability.SETXATTR_EXT,
            Capability.NO_OPEN_SUPPORT, Capability.NO_OPENDIR_SUPPORT);

    /** Capabilities this server cannot serve, with the reason. */
    private static final Map<Capability, String> UNSUPPORTED = unsupported();

    private static Map<Capability, String> unsupported() {
        Map<Capability, String> map = new EnumMap<>(Capability.class);
        map.put(Capability.FILE_OPS, "obsolete flag");
        map.put(Capability.INIT_RESERVED, "reserved flag");
        map.put(Capability.SPLICE_READ, "the server does not splice");
        map.put(Capability.SPLICE_WRITE, "the server does not splice");
        map.put(Capability.SPLICE_MOVE, "the server does not splice");
        map.put(Capability.PASSTHROUGH, "backing-file passthrough is not supported");
        map.put(Capability.OVER_IO_URING, "the transport does not serve FUSE over io_uring");
        map.put(Capability.HAS_RESEND, "the server never asks the driver to resend");
        map.put(Capability.REQUEST_TIMEOUT, "the server sets no request timeout");
        return map;
    }

    /** {@link #UNSUPPORTED}, less what this server's transport serves (FUSE over io_uring). */
    private final Map<Capability, String> unsupported;
    private final InitIn in;
    private final FuseServerConfig config;
    private final Notifier notifier;
    private final Set<Capability> offered;
    private final Set<Capability> wanted = EnumSet.noneOf(Capability.class);
    private final Map<Capability, String> reasons = new EnumMap<>(Capability.class);
    private final int negotiatedMinor;
    private int maxWrite;
    private int maxReadahead;
    private int timeGranularity;
    private int maxBackground;

    SessionSetup(InitIn in, FuseServerConfig config, Notifier notifier) {
        this.in = in;
        this.config = config;
        this.notifier = notifier;
        this.offered = InitFlags.capabilities(in.flags());
        this.negotiatedMinor = Integer.compareUnsigned(in.minor(), ProtocolVersion.MAX_MINOR) > 0
                ? ProtocolVersion.MAX_MINOR : in.minor();
        this.maxWrite = config.maxWrite();
        this.maxReadahead = (int) Math.min(Integer.toUnsignedLong(in.maxReadahead()), config.maxReadahead());
        this.timeGranularity = config.timeGranularity();
        this.maxBackground = config.maxBackground();
        wanted.addAll(DEFAULTS);
        if (config.daxWindow().isPresent()) {
            wanted.add(Capability.MAP_ALIGNMENT);
        }
        if (config.overIoUring()) {
            wanted.add(Capability.OVER_IO_URING);
            Map<Capability, String> served = new EnumMap<>(UNSUPPORTED);
            served.remove(Capability.OVER_IO_URING);
            this.unsupported = served;
        } else {
            this.unsupported = UNSUPPORTED;
        }
    }

    @Override
    public int driverMajor() {
        return in.major();
    }

    @Override
    public int driverMinor() {
        return asInt(in.minor());
    }

    /** An unsigned version number as a non-negative int: at most 2^31 - 1. */
    private static int asInt(int unsigned) {
        return unsigned < 0 ? Integer.MAX_VALUE : unsigned;
    }

    @Override
    public int negotiatedMinor() {
        return negotiatedMinor;
    }

    @Override
    public boolean offered(Capability capability) {
        return offered.contains(capability);
    }

    @Override
    public Set<Capability> offeredCapabilities() {
        return Set.copyOf(offered);
    }

    @Override
    public boolean accepted(Capability capability) {
        return wanted.contains(capability) && offered.contains(capability);
    }

    @Override
    public InitConfig want(Capability capability) {
        String why = unsupported.get(capability);
        if (why != null) {
            reasons.put(capability, "wanted by the file system, but " + why);
            return this;
        }
        if (capability == Capability.MAP_ALIGNMENT && config.daxWindow().isEmpty()) {
            reasons.put(capability, "wanted by the file system, but the transport has no DAX window");
            return this;
        }
        wanted.add(capability);
        reasons.remove(capability);
        return this;
    }

    @Override
    public InitConfig decline(Capability capability) {
        wanted.remove(capability);
        reasons.put(capability, "declined by the file system");
        return this;
    }

    @Override
    public int maxWrite() {
        return maxWrite;
    }

    @Override
    public InitConfig maxWrite(int bytes) {
        if (bytes < FuseServerConfig.MIN_MAX_WRITE) {
            throw new IllegalArgumentException("max_write " + bytes + " is below " + FuseServerConfig.MIN_MAX_WRITE);
        }
        maxWrite = Math.min(bytes, config.maxWrite());
        return this;
    }

    @Override
    public int maxReadahead() {
        return maxReadahead;
    }

    @Override
    public InitConfig maxReadahead(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("max_readahead " + bytes + " is negative");
        }
        maxReadahead = (int) Math.min(bytes, Integer.toUnsignedLong(in.maxReadahead()));
        return this;
    }

    @Override
    public int timeGranularity() {
        return timeGranularity;
    }

    @Override
    public InitConfig timeGranularity(int nanoseconds) {
        if (nanoseconds < 1 || nanoseconds > 1_000_000_000 || !isPowerOfTen(nanoseconds)) {
            throw new IllegalArgumentException("time granularity " + nanoseconds + " is not a power of ten in 1..1e9");
        }
        timeGranularity = nanoseconds;
        return this;
    }

    private static boolean isPowerOfTen(int value) {
        int v = value;
        while (v % 10 == 0) {
            v /= 10;
        }
        return v == 1;
    }

    @Override
    public int maxBackground() {
        return maxBackground;
    }

    @Override
    public InitConfig maxBackground(int requests) {
        if (requests < 1 || requests > 0xffff) {
            throw new IllegalArgumentException("max_background " + requests + " is outside 1..65535");
        }
        maxBackground = requests;
        return this;
    }

    @Override
    public Notifier notifier() {
        return notifier;
    }

    @Override
    public Optional<DaxWindow> daxWindow() {
        return config.daxWindow();
    }

    /** Settles the negotiation after the file system has had its say. */
    Negotiation settle() {
        Set<Capability> accepted = EnumSet.noneOf(Capability.class);
        Map<Capability, String> notAccepted = new EnumMap<>(Capability.class);
        for (Capability capability : Capability.values()) {
            boolean isOffered = offered.contains(capability);
            boolean isWanted = wanted.contains(capability);
            if (isOffered && isWanted) {
                accepted.add(capability);
            } else if (isWanted) {
                notAccepted.put(capability, "wanted, but the driver did not offer it");
            } else if (reasons.containsKey(capability)) {
                notAccepted.put(capability, reasons.get(capability) + (isOffered ? "" : " (nor offered by the driver)"));
            } else if (isOffered) {
                String why = unsupported.getOrDefault(capability, "not asked for by the file system");
                notAccepted.put(capability, "offered; " + why);
            }
        }
        if (!accepted.contains(Capability.INIT_EXT)) {
            // Without INIT_EXT the reply has no flags2: capabilities above bit 31 cannot be sent.
            for (Capability capability : Capability.values()) {
                if (accepted.contains(capability) && InitFlags.bit(capability) >>> 32 != 0) {
                    accepted.remove(capability);
                    notAccepted.put(capability, "needs INIT_EXT, which is not accepted");
                }
            }
        }
        int maxPages = accepted.contains(Capability.MAX_PAGES) ? (maxWrite + 4095) / 4096 : 0;
        int congestion = Math.min(config.congestionThreshold(), maxBackground);
        int mapAlignment = 0;
        if (accepted.contains(Capability.MAP_ALIGNMENT)) {
            mapAlignment = Long.numberOfTrailingZeros(config.daxWindow().orElseThrow().alignment());
        }
        return new Negotiation(new ProtocolVersion(in.major(), asInt(in.minor())),
                new ProtocolVersion(ProtocolVersion.MAJOR, negotiatedMinor), offered, accepted, notAccepted,
                InitFlags.unknownBits(in.flags()), maxWrite, maxPages, maxReadahead, timeGranularity, maxBackground,
                congestion, mapAlignment);
    }
}
