import NIOCore
import NIOPosix

/// One request/response exchange with a line-protocol daemon over a fresh connection: connect,
/// write the request, read until the daemon closes (clamd `z` commands and spamd both close
/// after answering), all within `DaemonLimits`. Non-blocking: everything runs on `eventLoop`.
public enum DaemonExchange {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case replyTooLarge
        case timedOut
        case connectionFailed(String)

        public var description: String {
            switch self {
            case .replyTooLarge: return "reply larger than \(DaemonLimits.maxReplyBytes) bytes"
            case .timedOut: return "no answer within \(DaemonLimits.exchangeTimeout.nanoseconds / 1_000_000_000) s"
            case .connectionFailed(let reason): return reason
            }
        }
    }

    /// Sends `request` (in order) and returns everything the daemon answered before closing.
    /// `halfClose` shuts our write side after the request (spamd reads to end of input).
    public static func run(_ address: DaemonAddress, request: [ByteBuffer], halfClose: Bool = false,
                           on eventLoop: any EventLoop) -> EventLoopFuture<ByteBuffer> {
        let promise = eventLoop.makePromise(of: ByteBuffer.self)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(DaemonLimits.connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ReplyCollector(promise: promise))
                }
            }
        let connected: EventLoopFuture<any Channel>
        switch address {
        case .unixSocket(let path): connected = bootstrap.connect(unixDomainSocketPath: path)
        case .tcp(let host, let port): connected = bootstrap.connect(host: host, port: port)
        }
        connected.whenComplete { result in
            switch result {
            case .failure(let error):
                promise.fail(Failure.connectionFailed("\(address): \(error)"))
            case .success(let channel):
                let timeout = channel.eventLoop.scheduleTask(in: DaemonLimits.exchangeTimeout) {
                    promise.fail(Failure.timedOut)
                    channel.close(promise: nil)
                }
                promise.futureResult.whenComplete { _ in timeout.cancel() }
                for part in request { channel.write(part, promise: nil) }
                let flushed = channel.writeAndFlush(ByteBuffer())
                if halfClose {
                    flushed.whenSuccess { channel.close(mode: .output, promise: nil) }
                }
                flushed.whenFailure { error in
                    promise.fail(Failure.connectionFailed("\(address): write failed: \(error)"))
                    channel.close(promise: nil)
                }
            }
        }
        return promise.futureResult
    }
}

/// Collects the daemon's answer up to `DaemonLimits.maxReplyBytes` and completes at close.
/// The timeout, the size limit and the close may race: a promise keeps its first result
/// (NIO ignores later completions), so the earliest outcome wins.
private final class ReplyCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let promise: EventLoopPromise<ByteBuffer>
    private var reply = ByteBuffer()

    init(promise: EventLoopPromise<ByteBuffer>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        guard reply.readableBytes + chunk.readableBytes <= DaemonLimits.maxReplyBytes else {
            promise.fail(DaemonExchange.Failure.replyTooLarge)
            context.close(promise: nil)
            return
        }
        reply.writeBuffer(&chunk)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.succeed(reply)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(DaemonExchange.Failure.connectionFailed("\(error)"))
        context.close(promise: nil)
    }
}
