package io.virtiofs.passthrough;

import io.virtiofs.api.Context;
import io.virtiofs.api.SecurityLabel;
import java.util.List;

/** A caller for direct calls into the file system, as a guest's request would carry it. */
record TestContext(int uid, int gid, int umask, int[] groups, List<SecurityLabel> securityLabels) implements Context {

    static final TestContext ROOT = new TestContext(0, 0, 0, new int[0], List.of());

    static TestContext of(int uid, int gid) {
        return new TestContext(uid, gid, 0, new int[0], List.of());
    }

    TestContext withLabels(List<SecurityLabel> labels) {
        return new TestContext(uid, gid, umask, groups, labels);
    }

    TestContext withGroups(int... supplementary) {
        return new TestContext(uid, gid, umask, supplementary, securityLabels);
    }

    @Override
    public int pid() {
        return 4242;
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
    public boolean isCancelled() {
        return false;
    }

    /** Direct calls are never interrupted: the action never runs. */
    @Override
    public void onCancel(Runnable action) {
    }

    @Override
    public long requestId() {
        return 1;
    }
}
