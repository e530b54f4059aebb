import NIOCore

/// Frames control-socket requests: one command per "\n"-terminated line (a trailing "\r"
/// is tolerated). A line longer than `ControlLimits.maximumRequestLine` is reported as
/// `.tooLong` and the rest of it discarded, so a peer can never make the buffer grow.
struct ControlLineDecoder: ByteToMessageDecoder {
    enum Line: Equatable {
        case command(String)
        case tooLong
    }
    typealias InboundOut = Line

    private var discarding = false

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > ControlLimits.maximumRequestLine {
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                if !discarding {
                    discarding = true
                    context.fireChannelRead(wrapInboundOut(.tooLong))
                }
            }
            return .needMoreData
        }
        let length = newline - view.startIndex
        var slice = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        if discarding {
            discarding = false
            return .continue
        }
        if length > ControlLimits.maximumRequestLine {
            context.fireChannelRead(wrapInboundOut(.tooLong))
            return .continue
        }
        var text = slice.readString(length: slice.readableBytes) ?? ""
        if text.hasSuffix("\r") { text.removeLast() }
        context.fireChannelRead(wrapInboundOut(.command(text)))
        return .continue
    }
}
