package io.virtiofs.testkit.contract;

import io.virtiofs.api.Attr;
import java.time.Instant;

/**
 * The attributes a test expects, for a whole-record comparison: starts with every field 0 except
 * the inode number and preferred I/O size, which come from the actual attributes (they are the
 * implementation's choice).
 */
public final class ExpectedAttr {

    private final Attr.Builder builder;

    private ExpectedAttr(Attr actual) {
        this.builder = Attr.builder().ino(actual.ino()).blksize(actual.blksize());
    }

    /** An expectation for the node {@code actual} describes. */
    public static ExpectedAttr of(Attr actual) {
        return new ExpectedAttr(actual);
    }

    public ExpectedAttr size(long value) {
        builder.size(value);
        return this;
    }

    /** Blocks of 512 bytes. */
    public ExpectedAttr blocks(long value) {
        builder.blocks(value);
        return this;
    }

    public ExpectedAttr mode(int value) {
        builder.mode(value);
        return this;
    }

    public ExpectedAttr nlink(int value) {
        builder.nlink(value);
        return this;
    }

    public ExpectedAttr owner(int uid, int gid) {
        builder.uid(uid).gid(gid);
        return this;
    }

    public ExpectedAttr rdev(int value) {
        builder.rdev(value);
        return this;
    }

    public ExpectedAttr atime(Instant value) {
        builder.atime(value.getEpochSecond(), value.getNano());
        return this;
    }

    public ExpectedAttr mtime(Instant value) {
        builder.mtime(value.getEpochSecond(), value.getNano());
        return this;
    }

    public ExpectedAttr ctime(Instant value) {
        builder.ctime(value.getEpochSecond(), value.getNano());
        return this;
    }

    /** All three times. */
    public ExpectedAttr times(Instant value) {
        return atime(value).mtime(value).ctime(value);
    }

    public Attr build() {
        return builder.build();
    }
}
