import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// What a connection's TLS handshake proved about its client, told once per connection to the
/// handlers behind it (`YSCHTTPHandler` keeps it for every request on the connection).
enum ClientCertificateEvent: Sendable {
    /// The client presented a certificate that verified against the client CA (`--client-ca`).
    case verified
    /// The client presented none.
    case absent
}

/// Sits right behind the TLS handler of a listener started with `--client-ca` and turns the
/// end of the handshake into a `ClientCertificateEvent`.
///
/// The TLS configuration asks for a client certificate with `.optionalVerification`: a client
/// may present none (the handshake completes and its requests need the API key, so health
/// checks and the 401 answer keep working), but a certificate it does present must verify
/// against the client CA or the handshake fails (alert `unknown_ca`). So a peer certificate on a
/// completed handshake is a verified one; no second check is made here.
///
/// NIOSSL fires `handshakeCompleted` before it passes on any application data, so the event
/// reaches the HTTP handler before the connection's first request.
final class ClientCertificateObserver: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    private let logger: Logger
    private var handshakeDone = false

    init(logger: Logger) {
        self.logger = logger
    }

    /// A failed handshake is logged (info, like the request lines), once per connection: with
    /// `--client-ca` it is how the operator sees a client turned away for its certificate
    /// (`CERTIFICATE_VERIFY_FAILED`); such a client never gets as far as a request line.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !handshakeDone, let tls = error as? NIOSSLError, case .handshakeFailed = tls {
            handshakeDone = true
            let peer = context.channel.remoteAddress.map { "\($0)" } ?? "?"
            logger.info("TLS handshake with \(peer) failed: \(tls)")
        }
        context.fireErrorCaught(error)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        guard let tls = event as? TLSUserEvent, case .handshakeCompleted = tls else { return }
        handshakeDone = true
        let certificate = try? context.pipeline.syncOperations.nioSSL_peerCertificate()
        context.fireUserInboundEventTriggered(certificate == nil ? ClientCertificateEvent.absent : .verified)
    }
}
