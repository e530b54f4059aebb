import MailRelay
import NIOCore
import NIOTLS

/// What a side handler reports to its session (SMTP or POP3) and asks of it. Both halves of a
/// session live on one event loop; every call comes on it.
protocol ProxySessionEvents: AnyObject {
    func channelActive(_ side: RelaySide)
    func received(_ bytes: ByteBuffer, from side: RelaySide)
    func readComplete(_ side: RelaySide)
    func closed(_ side: RelaySide)
    func writabilityChanged(_ side: RelaySide)
    func mayRead(_ side: RelaySide) -> Bool
    /// The TLS handshake of `side` is done (`RelaySession+TLS.swift`).
    func handshakeCompleted(_ side: RelaySide)
    /// `side` reported an error; the side closes next.
    func failed(_ side: RelaySide, error: any Error)
}

/// One half of a session in its channel's pipeline: hands what the channel reports to the
/// session and lets the session write, close and read. Thin (docs/engineering-habits.md, habit 2): no decisions here.
///
/// Reads are held back GlueHandler-style: the outbound `read` is passed on only while the
/// session says this side may read (the partner can take writes, the message buffer keeps up,
/// the relay is not holding too many pipelined commands); otherwise it is kept and issued when
/// the session says so.
final class ProxySideHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let side: RelaySide
    private(set) var session: (any ProxySessionEvents)?
    private(set) var context: ChannelHandlerContext?
    private var pendingRead = false

    init(side: RelaySide, session: any ProxySessionEvents) {
        self.side = side
        self.session = session
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        session?.channelActive(side)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        session?.received(unwrapInboundIn(data), from: side)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        session?.readComplete(side)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let session = self.session
        self.session = nil
        session?.closed(side)
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        session?.writabilityChanged(side)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset, a read error or a failed handshake ends this side; the session hears the
        // error (for its counters), then the close.
        session?.failed(side, error: error)
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            session?.handshakeCompleted(side)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func read(context: ChannelHandlerContext) {
        if let session, !session.mayRead(side) {
            pendingRead = true
        } else {
            context.read()
        }
    }

    // MARK: called by the session's `run`

    var isWritable: Bool { context?.channel.isWritable ?? true }

    func write(_ bytes: ByteBuffer) {
        context?.write(wrapOutboundOut(bytes), promise: nil)
    }

    func flush() {
        context?.flush()
    }

    /// Closes once everything written before has gone out (a close fails unwritten data).
    func closeAfterWrites() {
        guard let context else { return }
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer()), promise: promise)
        promise.futureResult.assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func resumeReadIfPending() {
        guard pendingRead, let context else { return }
        pendingRead = false
        context.read()
    }

    func detach() {
        session = nil
    }
}
