import NIOCore
import NIOPosix

/// Runs each framed request through the console on a thread pool (a command may write the
/// configuration file) and writes the replies back in request order.
final class ControlCommandHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ControlLineDecoder.Line
    typealias OutboundOut = ByteBuffer

    private let console: ApplianceConsole
    private let threadPool: NIOThreadPool
    /// Replies are chained so a fast command never overtakes a slow one before it.
    private var tail: EventLoopFuture<Void>?
    /// This connection's rights (administrator mode), starting unprivileged.
    private let access = ConsoleAccess()

    init(console: ApplianceConsole, threadPool: NIOThreadPool) {
        self.console = console
        self.threadPool = threadPool
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        let loop = context.eventLoop
        let console = self.console
        let access = self.access
        let reply: EventLoopFuture<ConsoleReply>
        switch line {
        case .tooLong:
            reply = loop.makeSucceededFuture(.error("Error: Too long command line"))
        case .command(let text):
            reply = threadPool.runIfActive(eventLoop: loop) { console.execute(text, access: access) }
        }
        let previous = tail ?? loop.makeSucceededVoidFuture()
        let channel = context.channel
        tail = previous.flatMap { reply }.map { reply in
            var buffer = channel.allocator.buffer(capacity: 64)
            buffer.writeBytes(reply.encodedLine())
            channel.writeAndFlush(buffer, promise: nil)
        }.recover { _ in
            channel.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
