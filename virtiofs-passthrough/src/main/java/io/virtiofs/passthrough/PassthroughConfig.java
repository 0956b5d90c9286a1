package io.virtiofs.passthrough;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link PassthroughFileSystem} shares and how; made with {@link #builder(Path)}. The
 * defaults are virtiofsd's where it has one.
 *
 * @param sharedDirectory the host directory shared (the guest's root)
 * @param readOnly every change fails with EROFS, and files open read-only
 * @param xattrs extended attributes are served (off: every xattr request answers EOPNOTSUPP)
 * @param xattrMapping how xattr names translate, or null for the built-in policy (user. names
 *     pass; trusted. and security. ones are refused and hidden, but for the security label with
 *     {@code securityLabel})
 * @param posixAcls POSIX ACLs ({@code system.posix_acl_*} xattrs, the umask applied here)
 * @param securityLabel a new node gets the security label the guest sends with its creation
 * @param announceSubmounts a node on another host mount than its parent is flagged a submount
 * @param cache how long the guest may cache names, attributes and data
 * @param allowDirectIo O_DIRECT of the guest reaches the host file
 * @param writeback the guest caches writes (FUSE writeback cache)
 * @param readdirplus directory listings carry each entry's attributes (never with {@link CachePolicy#NEVER})
 * @param fileHandles whether nodes are held by file handles
 * @param killPrivV2 the guest leaves clearing set-user-ID, set-group-ID and security.capability
 *     on write, truncate and chown to this file system (FUSE_HANDLE_KILLPRIV_V2)
 * @param uids how user ids translate between guest and host
 * @param gids how group ids translate between guest and host
 * @param refuseDeviceNodes creating a character or block device fails with EPERM (the
 *     specification's advice for shares other systems also use)
 * @param refuseSetuid creating or making a set-user-ID or set-group-ID executable fails with EPERM
 * @param posixLocks POSIX record locks are served (open file description locks on the host)
 * @param flockLocks {@code flock(2)} locks are served
 * @param preserveNoatime O_NOATIME of the guest reaches the host (it fails for files the caller does not own)
 * @param credentials requests are carried out as their caller (per thread, raw system calls);
 *     needs root, and is on by default when the process runs as root
 * @param maxOpenFiles the most host descriptors held at once (nodes, open files, locks); past it
 *     a request that needs one more answers ENFILE. 0: the open file limit less a reserve
 */
public record PassthroughConfig(Path sharedDirectory, boolean readOnly, boolean xattrs, @Nullable XattrMapping xattrMapping,
                                boolean posixAcls, boolean securityLabel, boolean announceSubmounts, CachePolicy cache,
                                boolean allowDirectIo, boolean writeback, boolean readdirplus,
                                FileHandlePolicy fileHandles, boolean killPrivV2, IdTranslation uids,
                                IdTranslation gids, boolean refuseDeviceNodes, boolean refuseSetuid,
                                boolean posixLocks, boolean flockLocks, boolean preserveNoatime,
                                Optional<Boolean> credentials, int maxOpenFiles) {

    public PassthroughConfig {
        Objects.requireNonNull(sharedDirectory, "sharedDirectory");
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(fileHandles, "fileHandles");
        Objects.requireNonNull(uids, "uids");
        Objects.requireNonNull(gids, "gids");
        Objects.requireNonNull(credentials, "credentials");
        if (maxOpenFiles < 0) {
            throw new IllegalArgumentException("maxOpenFiles " + maxOpenFiles + " is negative");
        }
        if (posixAcls && !(uids.isIdentity() && gids.isIdentity())) {
            throw new IllegalArgumentException("POSIX ACLs cannot be combined with id translation: the ids inside ACLs "
                    + "would not be translated");
        }
    }

    /** A builder for sharing {@code sharedDirectory}, with every other setting at its default. */
    public static Builder builder(Path sharedDirectory) {
        return new Builder(sharedDirectory);
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder(sharedDirectory);
        b.readOnly = readOnly;
        b.xattrs = xattrs;
        b.xattrMapping = xattrMapping;
        b.posixAcls = posixAcls;
        b.securityLabel = securityLabel;
        b.announceSubmounts = announceSubmounts;
        b.cache = cache;
        b.allowDirectIo = allowDirectIo;
        b.writeback = writeback;
        b.readdirplus = readdirplus;
        b.fileHandles = fileHandles;
        b.killPrivV2 = killPrivV2;
        b.uids = uids;
        b.gids = gids;
        b.refuseDeviceNodes = refuseDeviceNodes;
        b.refuseSetuid = refuseSetuid;
        b.posixLocks = posixLocks;
        b.flockLocks = flockLocks;
        b.preserveNoatime = preserveNoatime;
        b.credentials = credentials;
        b.maxOpenFiles = maxOpenFiles;
        return b;
    }

    /** Whether xattr requests are served (on with xattrs, a mapping, ACLs or security labels). */
    public boolean servesXattrs() {
        return xattrs || xattrMapping != null || posixAcls || securityLabel;
    }

    /** Whether readdirplus is offered: asked for, and the guest caches what it brings. */
    public boolean offersReaddirplus() {
        return readdirplus && cache != CachePolicy.NEVER;
    }

    /** Builds a {@link PassthroughConfig}. */
    public static final class Builder {
        private final Path sharedDirectory;
        private boolean readOnly;
        private boolean xattrs;
        private @Nullable XattrMapping xattrMapping;
        private boolean posixAcls;
        private boolean securityLabel;
        private boolean announceSubmounts = true;
        private CachePolicy cache = CachePolicy.AUTO;
        private boolean allowDirectIo;
        private boolean writeback;
        private boolean readdirplus = true;
        private FileHandlePolicy fileHandles = FileHandlePolicy.OVERFLOW;
        private boolean killPrivV2 = true;
        private IdTranslation uids = IdTranslation.identity();
        private IdTranslation gids = IdTranslation.identity();
        private boolean refuseDeviceNodes;
        private boolean refuseSetuid;
        private boolean posixLocks = true;
        private boolean flockLocks = true;
        private boolean preserveNoatime;
        private Optional<Boolean> credentials = Optional.empty();
        private int maxOpenFiles;

        private Builder(Path sharedDirectory) {
            this.sharedDirectory = Objects.requireNonNull(sharedDirectory, "sharedDirectory");
        }

        public Builder readOnly(boolean value) {
            readOnly = value;
            return this;
        }

        public Builder xattrs(boolean value) {
            xattrs = value;
            return this;
        }

        public Builder xattrMapping(@Nullable XattrMapping value) {
            xattrMapping = value;
            return this;
        }

        public Builder posixAcls(boolean value) {
            posixAcls = value;
            return this;
        }

        public Builder securityLabel(boolean value) {
            securityLabel = value;
            return this;
        }

        public Builder announceSubmounts(boolean value) {
            announceSubmounts = value;
            return this;
        }

        public Builder cache(CachePolicy value) {
            cache = Objects.requireNonNull(value, "cache");
            return this;
        }

        public Builder allowDirectIo(boolean value) {
            allowDirectIo = value;
            return this;
        }

        public Builder writeback(boolean value) {
            writeback = value;
            return this;
        }

        public Builder readdirplus(boolean value) {
            readdirplus = value;
            return this;
        }

        public Builder fileHandles(FileHandlePolicy value) {
            fileHandles = Objects.requireNonNull(value, "fileHandles");
            return this;
        }

        public Builder killPrivV2(boolean value) {
            killPrivV2 = value;
            return this;
        }

        public Builder uids(IdTranslation value) {
            uids = Objects.requireNonNull(value, "uids");
            return this;
        }

        public Builder gids(IdTranslation value) {
            gids = Objects.requireNonNull(value, "gids");
            return this;
        }

        public Builder refuseDeviceNodes(boolean value) {
            refuseDeviceNodes = value;
            return this;
        }

        public Builder refuseSetuid(boolean value) {
            refuseSetuid = value;
            return this;
        }

        public Builder posixLocks(boolean value) {
            posixLocks = value;
            return this;
        }

        public Builder flockLocks(boolean value) {
            flockLocks = value;
            return this;
        }

        public Builder preserveNoatime(boolean value) {
            preserveNoatime = value;
            return this;
        }

        /** Carry requests out as their caller (true), as this process (false), or decide by whether it runs as root (the default). */
        public Builder credentials(boolean value) {
            credentials = Optional.of(value);
            return this;
        }

        public Builder maxOpenFiles(int value) {
            maxOpenFiles = value;
            return this;
        }

        public PassthroughConfig build() {
            return new PassthroughConfig(sharedDirectory, readOnly, xattrs, xattrMapping, posixAcls, securityLabel,
                    announceSubmounts, cache, allowDirectIo, writeback, readdirplus, fileHandles, killPrivV2, uids, gids,
                    refuseDeviceNodes, refuseSetuid, posixLocks, flockLocks, preserveNoatime, credentials, maxOpenFiles);
        }
    }
}
