package io.virtiofs.testkit.contract;

import io.virtiofs.api.SetattrRequest;
import java.time.Instant;

/** Builds a {@link SetattrRequest} field by field, setting the matching FATTR bits. */
public final class SetattrBuilder {

    private int valid;
    private long fh;
    private long size;
    private long atime;
    private int atimeNsec;
    private long mtime;
    private int mtimeNsec;
    private long ctime;
    private int ctimeNsec;
    private int mode;
    private int uid;
    private int gid;

    public static SetattrBuilder setattr() {
        return new SetattrBuilder();
    }

    public SetattrBuilder mode(int value) {
        valid |= SetattrRequest.FATTR_MODE;
        mode = value;
        return this;
    }

    public SetattrBuilder uid(int value) {
        valid |= SetattrRequest.FATTR_UID;
        uid = value;
        return this;
    }

    public SetattrBuilder gid(int value) {
        valid |= SetattrRequest.FATTR_GID;
        gid = value;
        return this;
    }

    public SetattrBuilder size(long value) {
        valid |= SetattrRequest.FATTR_SIZE;
        size = value;
        return this;
    }

    public SetattrBuilder fh(long value) {
        valid |= SetattrRequest.FATTR_FH;
        fh = value;
        return this;
    }

    public SetattrBuilder atime(Instant value) {
        valid |= SetattrRequest.FATTR_ATIME;
        atime = value.getEpochSecond();
        atimeNsec = value.getNano();
        return this;
    }

    public SetattrBuilder atimeNow() {
        valid |= SetattrRequest.FATTR_ATIME | SetattrRequest.FATTR_ATIME_NOW;
        return this;
    }

    public SetattrBuilder mtime(Instant value) {
        valid |= SetattrRequest.FATTR_MTIME;
        mtime = value.getEpochSecond();
        mtimeNsec = value.getNano();
        return this;
    }

    public SetattrBuilder mtimeNow() {
        valid |= SetattrRequest.FATTR_MTIME | SetattrRequest.FATTR_MTIME_NOW;
        return this;
    }

    public SetattrBuilder ctime(Instant value) {
        valid |= SetattrRequest.FATTR_CTIME;
        ctime = value.getEpochSecond();
        ctimeNsec = value.getNano();
        return this;
    }

    public SetattrBuilder killSuidgid() {
        valid |= SetattrRequest.FATTR_KILL_SUIDGID;
        return this;
    }

    public SetattrRequest build() {
        return new SetattrRequest(valid, fh, size, 0, atime, atimeNsec, mtime, mtimeNsec, ctime, ctimeNsec, mode, uid, gid);
    }
}
