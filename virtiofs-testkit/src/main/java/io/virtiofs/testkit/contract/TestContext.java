package io.virtiofs.testkit.contract;

import io.virtiofs.api.Context;
import io.virtiofs.api.SecurityLabel;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Context} for tests: identity, umask and labels fixed at construction, cancellation
 * settable from another thread, and a hook called each time the file system polls
 * {@link #isCancelled()} (a waiting lock request polls it, so a test knows the request is waiting).
 */
public final class TestContext implements Context {

    private static final AtomicLong REQUEST_IDS = new AtomicLong();

    private final int uid;
    private final int gid;
    private final int pid;
    private final int umask;
    private final int[] groups;
    private final List<SecurityLabel> labels;
    private final long requestId = REQUEST_IDS.incrementAndGet();
    private boolean checkedByDriver;
    private volatile boolean cancelled;
    private volatile Runnable onCancelPoll = () -> { };
    private final java.util.concurrent.atomic.AtomicReference<@org.jspecify.annotations.Nullable Runnable> cancelAction =
            new java.util.concurrent.atomic.AtomicReference<>();

    private TestContext(int uid, int gid, int pid, int umask, int[] groups, List<SecurityLabel> labels) {
        this.uid = uid;
        this.gid = gid;
        this.pid = pid;
        this.umask = umask;
        this.groups = groups.clone();
        this.labels = List.copyOf(labels);
    }

    /** uid 0, gid 0, pid 1, no umask. */
    public static TestContext root() {
        return new TestContext(0, 0, 1, 0, new int[0], List.of());
    }

    /** A user with a primary group and supplementary groups; pid = uid. */
    public static TestContext user(int uid, int gid, int... supplementaryGroups) {
        return new TestContext(uid, gid, uid, 0, supplementaryGroups, List.of());
    }

    /** The same identity with another umask. */
    public TestContext withUmask(int newUmask) {
        return new TestContext(uid, gid, pid, newUmask, groups, labels);
    }

    /** The same identity with another pid. */
    public TestContext withPid(int newPid) {
        return new TestContext(uid, gid, newPid, umask, groups, labels);
    }

    /** The same identity carrying security labels. */
    public TestContext withLabels(List<SecurityLabel> newLabels) {
        return new TestContext(uid, gid, pid, umask, groups, newLabels);
    }

    /** A fresh context of the same identity (not cancelled, no hook). */
    public TestContext fresh() {
        TestContext fresh = new TestContext(uid, gid, pid, umask, groups, labels);
        fresh.checkedByDriver = checkedByDriver;
        return fresh;
    }

    /** The same identity, for a request whose permissions the driver checked ({@code default_permissions}). */
    public TestContext checkedByDriver() {
        TestContext checked = fresh();
        checked.checkedByDriver = true;
        return checked;
    }

    @Override
    public boolean permissionsCheckedByDriver() {
        return checkedByDriver;
    }

    /** Marks the request interrupted (FUSE_INTERRUPT). */
    public void cancel() {
        cancelled = true;
        Runnable action = cancelAction.getAndSet(null);
        if (action != null) {
            action.run();
        }
    }

    @Override
    public void onCancel(Runnable action) {
        cancelAction.set(action);
        if (cancelled) {
            Runnable registered = cancelAction.getAndSet(null);
            if (registered != null) {
                registered.run();
            }
        }
    }

    /** Runs {@code hook} whenever the file system asks whether the request was cancelled. */
    public TestContext onCancelPoll(Runnable hook) {
        onCancelPoll = hook;
        return this;
    }

    @Override
    public int uid() {
        return uid;
    }

    @Override
    public int gid() {
        return gid;
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public int umask() {
        return umask;
    }

    @Override
    public int supplementaryGroupCount() {
        return groups.length;
    }

    @Override
    public int supplementaryGroup(int index) {
        return groups[index];
    }

    @Override
    public List<SecurityLabel> securityLabels() {
        return labels;
    }

    @Override
    public boolean isCancelled() {
        onCancelPoll.run();
        return cancelled;
    }

    @Override
    public long requestId() {
        return requestId;
    }

    @Override
    public String toString() {
        return "TestContext[uid=" + uid + ", gid=" + gid + ", umask=0" + Integer.toOctalString(umask) + "]";
    }
}
