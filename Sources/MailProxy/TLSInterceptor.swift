import NIOCore
import NIOSSL

/// How a session secures its two halves when the relay asks it to (docs/tls.md): the
/// daemon's implementation holds the site CA, mints certificates and verifies upstream chains.
/// Without one (`RelayEnvironment.tls` nil) the relay blocks every upgrade.
public protocol TLSInterceptor: Sendable {
    /// The context of every server half (the appliance as TLS client). Its own verification
    /// must be on, so NIOSSL hands the presented chain to `judgeUpstream` (which decides).
    var upstreamContext: NIOSSLContext { get }
    /// Judges the chain the server presented (leaf first) against the trust store, its validity
    /// and, when given, `serverName`. Never blocks the loop.
    func judgeUpstream(_ chain: [NIOSSLCertificate], serverName: String?, on eventLoop: any EventLoop)
        -> EventLoopFuture<UpstreamJudgement>
    /// Whether an upstream whose certificate failed is refused (the session closes) rather than
    /// re-signed by the untrusted CA.
    var refusesInvalidUpstream: Bool { get }
    /// The context of one client half (the appliance as TLS server): it presents a certificate
    /// for `upstream`'s names, chosen by the client's SNI, signed by the site CA when the
    /// upstream was trusted for that name and by the untrusted CA otherwise. `judged` is told,
    /// in the client's hello, the judgement the certificate is presented under (the name check
    /// needs the SNI).
    /// `server`: where the server side connected; a server the office owns (`mail security tls
    /// server-certificate`) gets its own certificate presented instead of a minted one.
    /// `upstream` may still be coming (implicit TLS: the client's hello can arrive before the
    /// server half is secured); the hello waits for it.
    func clientContext(for upstream: EventLoopFuture<UpstreamJudgement>, server: SocketAddress?,
                       judged: @escaping @Sendable (UpstreamJudgement) -> Void) throws -> NIOSSLContext
}

/// What the verification of a server's certificate chain found.
public struct UpstreamJudgement: Sendable {
    /// The chain as presented, leaf first (its names are what a minted certificate mirrors).
    public var chain: [NIOSSLCertificate]
    /// nil: trusted; otherwise why not ("certificate has expired", "name mismatch").
    public var failure: String?

    public var trusted: Bool { failure == nil }

    public init(chain: [NIOSSLCertificate], failure: String?) {
        self.chain = chain
        self.failure = failure
    }
}
