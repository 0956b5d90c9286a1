package io.virtiofs.api;

import java.util.Arrays;
import java.util.Objects;

/**
 * A security label for a node being created: an xattr name such as {@code security.selinux} and
 * its value, sent by the driver in the FUSE security context extension.
 *
 * @param name the xattr name
 * @param value the label's bytes; the record keeps its own copy
 */
public record SecurityLabel(XattrName name, byte[] value) {

    public SecurityLabel {
        Objects.requireNonNull(name, "name");
        value = value.clone();
    }

    /** A label named by UTF-8 text, checked as {@link XattrName#of(String)} checks it. */
    public SecurityLabel(String name, byte[] value) {
        this(XattrName.of(name), value);
    }

    /** A copy of the label's bytes. */
    @Override
    public byte[] value() {
        return value.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SecurityLabel that && name.equals(that.name) && Arrays.equals(value, that.value);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "SecurityLabel[" + name + ", " + value.length + " bytes]";
    }
}
