package io.virtiofs.protocol.server;

import io.virtiofs.api.Capability;
import io.virtiofs.api.DaxWindow;
import io.virtiofs.api.InitConfig;
import io.virtiofs.api.Notifier;
import io.virtiofs.protocol.InitFlag;
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
 * {@link InitConfig}, and the driver's offer, settled into a {@link Negotiation}. The file system
 * speaks of {@link Capability capabilities}; the server's own flags ({@link InitFlag} without a
 * capability) are settled here.
 */
final class SessionSetup implements InitConfig {

    /** Flags the server accepts by default: they need nothing from the file system. */
    private static final Set<InitFlag> DEFAULTS = EnumSet.of(
            InitFlag.ASYNC_READ, InitFlag.BIG_WRITES, InitFlag.MAX_PAGES, InitFlag.PARALLEL_DIROPS,
            InitFlag.AUTO_INVAL_DATA, InitFlag.ASYNC_DIO, InitFlag.INIT_EXT, InitFlag.SETXATTR_EXT,
            InitFlag.NO_OPEN_SUPPORT, InitFlag.NO_OPENDIR_SUPPORT);

    /** Flags this server cannot serve, with the reason. */
    private static final Map<InitFlag, String> UNSUPPORTED = unsupported();

    private static Map<InitFlag, String> unsupported() {
        Map<InitFlag, String> map = new EnumMap<>(InitFlag.class);
        map.put(InitFlag.FILE_OPS, "obsolete flag");
        map.put(InitFlag.INIT_RESERVED, "reserved flag");
        map.put(InitFlag.SPLICE_READ, "the server does not splice");
        map.put(InitFlag.SPLICE_WRITE, "the server does not splice");
        map.put(InitFlag.SPLICE_MOVE, "the server does not splice");
        map.put(InitFlag.PASSTHROUGH, "backing-file passthrough is not supported");
        map.put(InitFlag.OVER_IO_URING, "the transport does not serve FUSE over io_uring");
        map.put(InitFlag.HAS_RESEND, "the server never asks the driver to resend");
        map.put(InitFlag.REQUEST_TIMEOUT, "the server sets no request timeout");
        return map;
    }

    /** {@link #UNSUPPORTED}, less what this server's transport serves (FUSE over io_uring). */
    private final Map<InitFlag, String> unsupported;
    private final InitIn in;
    private final FuseServerConfig config;
    private final Notifier notifier;
    private final Set<InitFlag> offered;
    private final Set<InitFlag> wanted = EnumSet.noneOf(InitFlag.class);
    private final Map<InitFlag, String> reasons = new EnumMap<>(InitFlag.class);
    private final int negotiatedMinor;
    private int maxWrite;
    private int maxReadahead;
    private int timeGranularity;
    private int maxBackground;

    SessionSetup(InitIn in, FuseServerConfig config, Notifier notifier) {
        this.in = in;
        this.config = config;
        this.notifier = notifier;
        this.offered = InitFlags.set(in.flags());
        this.negotiatedMinor = Integer.compareUnsigned(in.minor(), ProtocolVersion.MAX_MINOR) > 0
                ? ProtocolVersion.MAX_MINOR : in.minor();
        this.maxWrite = config.maxWrite();
        this.maxReadahead = (int) Math.min(Integer.toUnsignedLong(in.maxReadahead()), config.maxReadahead());
        this.timeGranularity = config.timeGranularity();
        this.maxBackground = config.maxBackground();
        wanted.addAll(DEFAULTS);
        if (config.daxWindow().isPresent()) {
            wanted.add(InitFlag.MAP_ALIGNMENT);
        }
        if (config.overIoUring()) {
            wanted.add(InitFlag.OVER_IO_URING);
            Map<InitFlag, String> served = new EnumMap<>(UNSUPPORTED);
            served.remove(InitFlag.OVER_IO_URING);
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
        return offered.contains(InitFlag.of(capability));
    }

    @Override
    public Set<Capability> offeredCapabilities() {
        Set<Capability> capabilities = EnumSet.noneOf(Capability.class);
        for (InitFlag flag : offered) {
            flag.capability().ifPresent(capabilities::add);
        }
        return Set.copyOf(capabilities);
    }

    @Override
    public boolean accepted(Capability capability) {
        InitFlag flag = InitFlag.of(capability);
        return wanted.contains(flag) && offered.contains(flag);
    }

    @Override
    public InitConfig want(Capability capability) {
        InitFlag flag = InitFlag.of(capability);
        String why = unsupported.get(flag);
        if (why != null) {
            reasons.put(flag, "wanted by the file system, but " + why);
            return this;
        }
        wanted.add(flag);
        reasons.remove(flag);
        return this;
    }

    @Override
    public InitConfig decline(Capability capability) {
        InitFlag flag = InitFlag.of(capability);
        wanted.remove(flag);
        reasons.put(flag, "declined by the file system");
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
        Set<InitFlag> accepted = EnumSet.noneOf(InitFlag.class);
        Map<InitFlag, String> notAccepted = new EnumMap<>(InitFlag.class);
        for (InitFlag flag : InitFlag.values()) {
            boolean isOffered = offered.contains(flag);
            boolean isWanted = wanted.contains(flag);
            if (isOffered && isWanted) {
                accepted.add(flag);
            } else if (isWanted) {
                notAccepted.put(flag, "wanted, but the driver did not offer it");
            } else if (reasons.containsKey(flag)) {
                notAccepted.put(flag, reasons.get(flag) + (isOffered ? "" : " (nor offered by the driver)"));
            } else if (isOffered) {
                String why = unsupported.getOrDefault(flag, "not asked for by the file system");
                notAccepted.put(flag, "offered; " + why);
            }
        }
        if (!accepted.contains(InitFlag.INIT_EXT)) {
            // Without INIT_EXT the reply has no flags2: flags above bit 31 cannot be sent.
            for (InitFlag flag : InitFlag.values()) {
                if (accepted.contains(flag) && flag.bit() >>> 32 != 0) {
                    accepted.remove(flag);
                    notAccepted.put(flag, "needs INIT_EXT, which is not accepted");
                }
            }
        }
        int maxPages = accepted.contains(InitFlag.MAX_PAGES) ? (maxWrite + 4095) / 4096 : 0;
        int congestion = Math.min(config.congestionThreshold(), maxBackground);
        int mapAlignment = 0;
        if (accepted.contains(InitFlag.MAP_ALIGNMENT)) {
            mapAlignment = Long.numberOfTrailingZeros(config.daxWindow().orElseThrow().alignment());
        }
        return new Negotiation(new ProtocolVersion(in.major(), asInt(in.minor())),
                new ProtocolVersion(ProtocolVersion.MAJOR, negotiatedMinor), offered, accepted, notAccepted,
                InitFlags.unknownBits(in.flags()), maxWrite, maxPages, maxReadahead, timeGranularity, maxBackground,
                congestion, mapAlignment);
    }
}
