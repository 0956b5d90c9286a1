package io.virtiofs.testkit.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.NotifyCode;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.message.FuseNotification;
import io.virtiofs.protocol.message.FuseReply;
import io.virtiofs.protocol.message.FuseRequest;
import io.virtiofs.protocol.message.RequestDecoder;
import io.virtiofs.protocol.message.RequestExtensions;
import io.virtiofs.testkit.wire.Notifications;
import io.virtiofs.testkit.wire.Requests;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * How one {@code fuse_layout.c} layout maps to our records: the value its marker bytes stand for,
 * and the code under test that encodes and decodes it.
 *
 * @param layout the layout's name in the C program's output
 * @param variant what is exercised, when a layout has several cases
 * @param build the record the layout's bytes encode
 * @param encoder the code under test writing a value
 * @param decoder the code under test reading it back
 * @param message what whole message the layout is the body of, for golden fixtures
 */
record LayoutCase(String layout, String variant, Function<Layout, Object> build, Encoder encoder,
                  BiFunction<ByteBuf, WireFormat, Object> decoder, Message message) {

    /** Writes a value. */
    @FunctionalInterface
    interface Encoder {
        void encode(Object value, ByteBuf out, WireFormat format);
    }

    /** The whole message a layout is the body of. */
    sealed interface Message {
    }

    /** A request with this opcode. */
    record Request(Opcode opcode) implements Message {
    }

    /** A successful reply. */
    record Reply() implements Message {
    }

    /** A notification. */
    record Notification(NotifyCode code) implements Message {
    }

    /** Not a message body of its own (headers, extensions, alternative encoders). */
    record NotAMessage() implements Message {
    }

    String displayName() {
        return variant.isEmpty() ? layout : layout + " (" + variant + ")";
    }

    /** The size the value says it encodes to, when its type says. */
    Optional<Integer> declaredSize(Object value, WireFormat format) {
        return switch (value) {
            case FuseReply reply -> Optional.of(reply.encodedSize(format));
            case FuseNotification notification -> Optional.of(notification.encodedSize(format));
            case RequestExtensions extensions -> Optional.of(Requests.encodedSize(extensions));
            default -> Optional.empty();
        };
    }

    static LayoutCase request(String layout, Opcode opcode, Function<Layout, Object> build) {
        return new LayoutCase(layout, "", build, (value, out, format) -> Requests.encode((FuseRequest) value, out,
                format),
                (in, format) -> RequestDecoder.decode(opcode, in, format), new Request(opcode));
    }

    static LayoutCase reply(String layout, Function<Layout, Object> build,
                            BiFunction<ByteBuf, WireFormat, Object> decoder) {
        return new LayoutCase(layout, "", build, (value, out, format) -> ((FuseReply) value).encode(out, format),
                decoder, new Reply());
    }

    static LayoutCase notification(String layout, NotifyCode code, Function<Layout, Object> build) {
        return new LayoutCase(layout, "", build,
                (value, out, format) -> ((FuseNotification) value).encode(out, format),
                (in, format) -> Notifications.decode(code, in, format), new Notification(code));
    }

    static LayoutCase other(String layout, String variant, Function<Layout, Object> build, Encoder encoder,
                            BiFunction<ByteBuf, WireFormat, Object> decoder) {
        return new LayoutCase(layout, variant, build, encoder, decoder, new NotAMessage());
    }
}
