import Logging
import NIOCore
import NIOHTTP1
import ScanEngines
import ScanProtocol

/// One HTTPS connection of yscd: collects a request (bounded), hands it to the `YSCRouter`,
/// writes the JSON reply. Keep-alive and pipelining come from NIO's server pipeline.
///
/// ```
/// C: POST /v1/scan  Content-Length: 1234  X-Operation: send  <message>
/// S: 200  {"spam_score":0,"viruses":[],"engines":["builtin"],"elapsed_ms":3}
/// ```
final class YSCHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        /// Reading a body of at most `limit` bytes.
        case receiving(HTTPRequestHead, ByteBuffer, limit: Int)
        /// 413 already answered; throwing away at most `remaining` more body bytes.
        case discarding(remaining: Int)
        /// The reply is being computed; the request is complete.
        case responding
    }

    private var state = State.idle
    private let router: YSCRouter
    private let maxBody: Int
    private let faults: FaultInjection
    private let logger: Logger
    private let access: APIKeyPolicy
    /// Set once per connection by `ClientCertificateObserver` (only with `--client-ca`): the
    /// client proved itself with a certificate, for every request on this connection.
    private var clientCertificateVerified = false

    init(router: YSCRouter, maxBody: Int, faults: FaultInjection, access: APIKeyPolicy, logger: Logger) {
        self.router = router
        self.access = access
        self.maxBody = maxBody
        self.faults = faults
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Switch on the part, then on the state: matching a `(part, state)` tuple would hold a
        // second reference to the body for the whole switch, and every append would copy the
        // entire buffer (quadratic in the message size).
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard case .idle = state else { return unexpected(context) }
            receiveHead(head, context: context)
        case .body(var chunk):
            switch state {
            case .receiving(let head, var body, let limit):
                guard body.readableBytes + chunk.readableBytes <= limit else {
                    rejectTooLarge(head, limit: limit, context: context)
                    return
                }
                state = .idle  // drop the state's reference so the append below does not copy
                body.writeBuffer(&chunk)
                state = .receiving(head, body, limit: limit)
            case .discarding(let remaining):
                let left = remaining - chunk.readableBytes
                if left < 0 { context.close(promise: nil) } else { state = .discarding(remaining: left) }
            case .idle, .responding:
                unexpected(context)
            }
        case .end:
            switch state {
            case .receiving(let head, let body, _):
                state = .responding
                respond(to: head, body: body, context: context)
            case .discarding:
                context.close(promise: nil)  // the 413 said Connection: close
            case .idle, .responding:
                unexpected(context)
            }
        }
    }

    /// NIO's pipeline handler serialises requests, so any other order is our own bug or a
    /// closed connection still delivering; closing is the safe answer either way.
    private func unexpected(_ context: ChannelHandlerContext) {
        context.close(promise: nil)
    }

    private func receiveHead(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        if faults.dropConnections {
            logger.info("fault: dropping connection on \(head.method.rawValue) \(head.uri)")
            context.close(promise: nil)
            return
        }
        let path = String(head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        let credentials = APIKeyPolicy.Credentials(headers: head.headers, clientCertificateVerified: clientCertificateVerified)
        guard access.admits(path: path, credentials) else {
            // Decided from the head alone: an unauthorised body is never read into memory.
            rejectUnauthorized(head, context: context)
            return
        }
        let limit = YSCRouter.bodyLimit(for: path, maxScanBody: maxBody)
        let declared = head.headers.first(name: "Content-Length").flatMap { Int($0) }
        if let declared, declared > limit {
            // Decided from the head alone: the body is never read into memory.
            rejectTooLarge(head, limit: limit, context: context)
            return
        }
        if head.headers[canonicalForm: "Expect"].contains(where: { $0.lowercased() == "100-continue" }) {
            // RFC 9110 §10.1.1: the client waits for this before sending a large body.
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
        }
        let capacity = min(declared ?? YSCServerLimits.initialBodyCapacity, limit)
        state = .receiving(head, context.channel.allocator.buffer(capacity: capacity), limit: limit)
    }

    private func rejectTooLarge(_ head: HTTPRequestHead, limit: Int, context: ChannelHandlerContext) {
        logger.info("\(head.method.rawValue) \(head.uri) 413 (limit \(limit) bytes)")
        state = .discarding(remaining: YSCServerLimits.maxDiscardBytes)
        write(.error(.payloadTooLarge, "request body larger than \(limit) bytes"), for: head, keepAlive: false, context: context)
        if head.headers[canonicalForm: "Expect"].contains(where: { $0.lowercased() == "100-continue" }) {
            // The client waits for our answer before sending the body: none is coming, close now.
            context.close(promise: nil)
        }
    }

    /// RFC 9110 §15.5.2 401 with RFC 6750 §3's challenge; the connection closes after it, as
    /// after a 413 (the body, if any, is thrown away unread up to the same bound).
    private func rejectUnauthorized(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        logger.info("\(head.method.rawValue) \(head.uri) 401 (no valid API key)")
        state = .discarding(remaining: YSCServerLimits.maxDiscardBytes)
        write(.error(.unauthorized, "a valid API key is required"), for: head, keepAlive: false,
              extraHeaders: [("WWW-Authenticate", "Bearer realm=\"ysc\"")], context: context)
        if head.headers[canonicalForm: "Expect"].contains(where: { $0.lowercased() == "100-continue" }) {
            context.close(promise: nil)
        }
    }

    private func respond(to head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        let eventLoop = context.eventLoop
        let started = NIODeadline.now()
        var reply: EventLoopFuture<YSCRouter.Response>
        if let status = faults.status {
            reply = eventLoop.makeSucceededFuture(.error(HTTPResponseStatus(statusCode: status), "injected fault: status \(status)"))
        } else if faults.garbage {
            reply = eventLoop.makeSucceededFuture(YSCRouter.Response(status: .ok, body: FaultInjection.garbageBody))
        } else {
            reply = router.respond(to: head, body: body, on: eventLoop)
        }
        if faults.latency > .zero {
            let latency = faults.latency
            reply = reply.flatMap { response in eventLoop.scheduleTask(in: latency) { response }.futureResult }
        }
        reply.hop(to: eventLoop).assumeIsolated().whenComplete { result in
            let response: YSCRouter.Response
            switch result {
            case .success(let value): response = value
            case .failure(let error): response = .error(.internalServerError, "\(error)")
            }
            let elapsed = (NIODeadline.now() - started).nanoseconds / 1_000_000
            self.logger.info("\(head.method.rawValue) \(head.uri) \(response.status.code) \(body.readableBytes) bytes \(elapsed) ms id=\(self.requestID(head) ?? "-")")
            guard context.channel.isActive else { return }
            self.state = .idle
            self.write(response, for: head, keepAlive: head.isKeepAlive, context: context)
        }
    }

    private func write(_ response: YSCRouter.Response, for head: HTTPRequestHead, keepAlive: Bool,
                       extraHeaders: [(String, String)] = [], context: ChannelHandlerContext) {
        var headers = HTTPHeaders(extraHeaders)
        headers.add(name: "Content-Type", value: YSCEndpoint.jsonContentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        if let id = requestID(head) { headers.add(name: YSCEndpoint.requestIDHeader, value: id) }
        let responseHead = HTTPResponseHead(version: head.version, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive, case .idle = state {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    /// The client's `X-Request-Id`, echoed only when short and printable (it reaches our logs).
    private func requestID(_ head: HTTPRequestHead) -> String? {
        guard let id = head.headers.first(name: YSCEndpoint.requestIDHeader), !id.isEmpty,
              id.utf8.count <= YSCServerLimits.maxRequestIDLength,
              id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return id
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let certificate = event as? ClientCertificateEvent {
            clientCertificateVerified = certificate == .verified
            return
        }
        // Idle keep-alive connections are closed; a connection waiting for its reply is not idle.
        if event is IdleStateHandler.IdleStateEvent {
            switch state {
            case .idle, .discarding:
                context.close(promise: nil)
                return
            case .receiving, .responding:
                break  // a slow upload or a long scan is not idleness of ours to punish
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // TLS handshake failures, resets, HTTP parse errors: peer trouble, not ours. Log, close.
        logger.debug("connection error: \(error)")
        context.close(promise: nil)
    }
}
