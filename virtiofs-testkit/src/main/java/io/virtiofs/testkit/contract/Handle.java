package io.virtiofs.testkit.contract;

import io.virtiofs.api.Entry;

/**
 * A node created and opened by a test.
 *
 * @param nodeid the node
 * @param fh the open handle
 * @param entry the entry the create answered
 */
public record Handle(long nodeid, long fh, Entry entry) {
}
