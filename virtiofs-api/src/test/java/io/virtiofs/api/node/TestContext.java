package io.virtiofs.api.node;

import io.virtiofs.api.Context;
import io.virtiofs.api.SecurityLabel;
import java.util.List;

/** A caller for direct calls: root, no groups, never cancelled. */
final class TestContext implements Context {

    static final TestContext ROOT = new TestContext();

    @Override
    public int uid() {
        return 0;
    }

    @Override
    public int gid() {
        return 0;
    }

    @Override
    public int pid() {
        return 1;
    }

    @Override
    public int umask() {
        return 022;
    }

    @Override
    public int supplementaryGroupCount() {
        return 0;
    }

    @Override
    public int supplementaryGroup(int index) {
        throw new IndexOutOfBoundsException(index);
    }

    @Override
    public List<SecurityLabel> securityLabels() {
        return List.of();
    }

    @Override
    public boolean isCancelled() {
        return false;
    }

    @Override
    public void onCancel(Runnable action) {
    }

    @Override
    public long requestId() {
        return 1;
    }
}
