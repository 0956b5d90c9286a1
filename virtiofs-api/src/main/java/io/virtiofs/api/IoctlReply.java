package io.virtiofs.api;

import java.util.Objects;

/**
 * The answer to a restricted ioctl.
 *
 * @param result the ioctl's return value
 * @param output the output data, at most the request's {@code outSize} bytes; the record keeps
 *     its own copy
 */
public record IoctlReply(int result, byte[] output) {

    public IoctlReply {
        output = Objects.requireNonNull(output, "output").clone();
    }

    /** A result with no output data. */
    public static IoctlReply of(int result) {
        return new IoctlReply(result, new byte[0]);
    }

    /** A copy of the output data. */
    @Override
    public byte[] output() {
        return output.clone();
    }

    /** The number of output bytes. */
    public int outputLength() {
        return output.length;
    }

    /** Writes the output to {@code out}. */
    public void writeOutputTo(io.netty.buffer.ByteBuf out) {
        out.writeBytes(output);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof IoctlReply that && result == that.result && java.util.Arrays.equals(output, that.output);
    }

    @Override
    public int hashCode() {
        return result * 31 + java.util.Arrays.hashCode(output);
    }

    @Override
    public String toString() {
        return "IoctlReply[result=" + result + ", " + output.length + " bytes]";
    }
}
