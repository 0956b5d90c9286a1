package io.virtiofs.testkit.protocol.message;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.protocol.InHeader;
import io.virtiofs.protocol.NotifyCode;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.AttrOut;
import io.virtiofs.protocol.message.BmapOut;
import io.virtiofs.protocol.message.CopyFileRangeOut;
import io.virtiofs.protocol.message.CreateOut;
import io.virtiofs.protocol.message.DataOut;
import io.virtiofs.protocol.message.DirentplusOut;
import io.virtiofs.protocol.message.DirentsOut;
import io.virtiofs.protocol.message.EntryOut;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.FuseNotification;
import io.virtiofs.protocol.message.FuseReply;
import io.virtiofs.protocol.message.FuseRequest;
import io.virtiofs.protocol.message.GetxattrOut;
import io.virtiofs.protocol.message.InitOut;
import io.virtiofs.protocol.message.IoctlOut;
import io.virtiofs.protocol.message.LkOut;
import io.virtiofs.protocol.message.LseekOut;
import io.virtiofs.protocol.message.OpenOut;
import io.virtiofs.protocol.message.PollOut;
import io.virtiofs.protocol.message.RequestDecoder;
import io.virtiofs.protocol.message.StatfsOut;
import io.virtiofs.protocol.message.StatxOut;
import io.virtiofs.protocol.message.WriteOut;
import io.virtiofs.testkit.support.Seeds;
import io.virtiofs.testkit.wire.Notifications;
import io.virtiofs.testkit.wire.Replies;
import io.virtiofs.testkit.wire.Requests;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * Every request, reply and notification survives encode-then-decode over seeded random values, in
 * both byte orders, at the minor versions where struct sizes change, with and without
 * FUSE_SETXATTR_EXT. Failures name the seed ({@link Seeds}).
 */
class RoundTripTest {

    /** Minors around every size change: statfs (7.4), attr/read/write (7.9), mknod/create (7.12), init. */
    private static final int[] MINORS = {3, 8, 11, 22, 35, 45};

    static List<WireFormat> formats() {
        List<WireFormat> formats = new ArrayList<>();
        for (WireOrder order : WireOrder.values()) {
            for (int minor : MINORS) {
                formats.add(new WireFormat(order, minor, false));
                formats.add(new WireFormat(order, minor, true));
            }
        }
        return formats;
    }

    @Test
    void everyRequestBodyRoundTrips() {
        Seeds.forEach(12, random -> {
            RandomMessages messages = new RandomMessages(random);
            for (WireFormat format : formats()) {
                for (Opcode opcode : Opcode.values()) {
                    FuseRequest request = messages.request(opcode, format);
                    byte[] bytes = Encoded.bytes(out -> Requests.encode(request, out, format));
                    ByteBuf in = Unpooled.wrappedBuffer(bytes);
                    assertEquals(request, RequestDecoder.decode(opcode, in, format), opcode + " in " + format);
                    assertEquals(0, in.readableBytes(), opcode + " in " + format + " left bytes");
                }
            }
        });
    }

    @Test
    void wholeRequestsWithExtensionsRoundTrip() {
        Seeds.forEach(12, random -> {
            RandomMessages messages = new RandomMessages(random);
            for (WireFormat format : formats()) {
                for (Opcode opcode : Opcode.values()) {
                    FuseMessage message = FuseMessage.of(opcode, messages.anyLong(), messages.anyLong(),
                                    messages.request(opcode, format))
                            .withCaller(messages.anyInt(), messages.anyInt(), messages.anyInt())
                            .withExtensions(messages.extensions());
                    byte[] bytes = Encoded.bytes(out -> Requests.encode(message, out, format));
                    InHeader h = message.header();
                    int extensionsLength = Requests.encodedSize(message.extensions());
                    InHeader expectedHeader = new InHeader(bytes.length, opcode.code(), h.unique(), h.nodeid(), h.uid(),
                            h.gid(), h.pid(), extensionsLength / 8);
                    ByteBuf in = Unpooled.wrappedBuffer(bytes);
                    FuseMessage decoded = FuseMessage.decode(in, format);
                    assertEquals(new FuseMessage(expectedHeader, message.body(), message.extensions()), decoded,
                            opcode + " in " + format);
                    assertEquals(0, in.readableBytes());
                    assertEquals(0, extensionsLength % 8, "extensions are padded to 8 bytes");
                }
            }
        });
    }

    @Test
    void everyReplyRoundTripsAndKnowsItsSize() {
        Seeds.forEach(12, random -> {
            RandomMessages messages = new RandomMessages(random);
            for (WireFormat format : formats()) {
                for (FuseReply reply : messages.replies(format)) {
                    long unique = messages.anyLong();
                    byte[] bytes = Encoded.bytes(out -> reply.encodeMessage(out, format, unique));
                    ByteBuf in = Unpooled.wrappedBuffer(bytes);
                    assertEquals(new OutHeader(bytes.length, 0, unique), OutHeader.decode(in, format.order()));
                    assertEquals(bytes.length - OutHeader.SIZE, reply.encodedSize(format), reply + " in " + format);
                    assertEquals(reply, decoder(reply).apply(in, format), reply + " in " + format);
                    assertEquals(0, in.readableBytes(), reply + " in " + format + " left bytes");
                }
            }
        });
    }

    private static BiFunction<ByteBuf, WireFormat, FuseReply> decoder(FuseReply reply) {
        return switch (reply) {
            case InitOut r -> Replies::initOut;
            case EntryOut r -> Replies::entryOut;
            case AttrOut r -> Replies::attrOut;
            case OpenOut r -> Replies::openOut;
            case CreateOut r -> Replies::createOut;
            case WriteOut r -> Replies::writeOut;
            case StatfsOut r -> Replies::statfsOut;
            case GetxattrOut r -> Replies::getxattrOut;
            case LkOut r -> Replies::lkOut;
            case BmapOut r -> Replies::bmapOut;
            case IoctlOut r -> Replies::ioctlOut;
            case PollOut r -> Replies::pollOut;
            case LseekOut r -> Replies::lseekOut;
            case StatxOut r -> Replies::statxOut;
            case CopyFileRangeOut r -> Replies::copyFileRangeOut;
            case DataOut r -> Replies::dataOut;
            case DirentsOut r -> Replies::direntsOut;
            case DirentplusOut r -> Replies::direntplusOut;
        };
    }

    @Test
    void everyNotificationRoundTripsAsAWholeMessage() {
        Seeds.forEach(12, random -> {
            RandomMessages messages = new RandomMessages(random);
            for (WireFormat format : formats()) {
                List<FuseNotification> notifications = messages.notifications();
                assertEquals(NotifyCode.values().length, notifications.size());
                for (FuseNotification notification : notifications) {
                    byte[] bytes = Encoded.bytes(out -> notification.encodeMessage(out, format));
                    assertEquals(new OutHeader(bytes.length, notification.code().code(), 0),
                            OutHeader.decode(Unpooled.wrappedBuffer(bytes), format.order()));
                    assertEquals(bytes.length - OutHeader.SIZE, notification.encodedSize(format));
                    assertEquals(notification, Notifications.decodeMessage(Unpooled.wrappedBuffer(bytes), format),
                            notification + " in " + format);
                }
            }
        });
    }

    @Test
    void theGeneratorsCoverEveryKind() {
        RandomMessages messages = new RandomMessages(new SplittableRandom(1));
        WireFormat format = WireFormat.current(WireOrder.LITTLE_ENDIAN);
        assertEquals(FuseReply.class.getPermittedSubclasses().length,
                messages.replies(format).stream().map(Object::getClass).distinct().count());
        assertEquals(FuseNotification.class.getPermittedSubclasses().length,
                messages.notifications().stream().map(Object::getClass).distinct().count());
        assertEquals(FuseRequest.class.getPermittedSubclasses().length, java.util.Arrays.stream(Opcode.values())
                .map(op -> messages.request(op, format).getClass()).distinct().count());
    }
}
