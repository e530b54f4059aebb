import ApplianceConfig
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import TLSInterception
import X509

/// The daemon's `TLSInterceptor` (docs/tls.md): upstream chains judged by
/// `UpstreamCertificateVerifier` (system roots plus the administrator's anchors), and the
/// client shown a leaf from `LeafCertificateIssuer` that mirrors the upstream's names, signed by
/// the site CA when the upstream verified for the name the client asked for (SNI), by the
/// untrusted CA otherwise.
///
/// The failure action and the anchors follow the console (`apply`); a session uses what was
/// set when its upgrade began.
public final class SiteTLSInterceptor: TLSInterceptor {
    public let upstreamContext: NIOSSLContext
    public let authority: SiteAuthority
    private let issuer: LeafCertificateIssuer
    private let settings: NIOLockedValueBox<(verifier: UpstreamCertificateVerifier, refuses: Bool, anchorsFile: String?)>
    /// `mail security tls server-certificate`: the office's own servers, by address bytes.
    private let ownServers = NIOLockedValueBox<[[UInt8]: OwnServerCertificate]>([:])
    /// What a client context starts with; the hello callback always replaces it.
    private let placeholder: MintedLeaf

    public var refusesInvalidUpstream: Bool { settings.withLockedValue { $0.refuses } }
    private var verifier: UpstreamCertificateVerifier { settings.withLockedValue { $0.verifier } }

    /// Loads the site CA from `stateDirectory` (generating it at first start) and the trust
    /// anchors: blocking file I/O, for the daemon's start.
    public static func load(stateDirectory: String, administratorAnchors: String?,
                            refusesInvalidUpstream: Bool) throws -> SiteTLSInterceptor {
        let authority = try SiteAuthority.loadOrCreate(stateDirectory: stateDirectory)
        let verifier = try UpstreamCertificateVerifier.load(administratorAnchors: administratorAnchors)
        let interceptor = try SiteTLSInterceptor(authority: authority, verifier: verifier, refusesInvalidUpstream: refusesInvalidUpstream)
        interceptor.apply(refusesInvalidUpstream: refusesInvalidUpstream, verifier: verifier, anchorsFile: administratorAnchors)
        return interceptor
    }

    /// Follows `mail security tls upstream-invalid` and `… upstream-ca`: the anchors are read
    /// again (blocking: call it off the event loops) only when their file changed.
    public func apply(refusesInvalidUpstream: Bool, verifier newVerifier: UpstreamCertificateVerifier?, anchorsFile: String? = nil) {
        settings.withLockedValue {
            $0.refuses = refusesInvalidUpstream
            if let newVerifier {
                $0.verifier = newVerifier
                $0.anchorsFile = anchorsFile
            }
        }
    }

    /// The administrator's anchors file the verifier was loaded with.
    public var anchorsFile: String? { settings.withLockedValue { $0.anchorsFile } }

    /// Follows `mail security tls server-certificate` (loaded by the caller, off the loops).
    public func apply(ownServers certificates: [[UInt8]: OwnServerCertificate]) {
        ownServers.withLockedValue { $0 = certificates }
    }

    public init(authority: SiteAuthority, verifier: UpstreamCertificateVerifier, refusesInvalidUpstream: Bool) throws {
        self.authority = authority
        var upstream = TLSConfiguration.makeClientConfiguration()
        // On, so NIOSSL hands the chain to the custom callback, which judges it (`judgeUpstream`).
        upstream.certificateVerification = .fullVerification
        upstream.minimumTLSVersion = .tlsv1
        upstreamContext = try NIOSSLContext(configuration: upstream)
        settings = NIOLockedValueBox((verifier, refusesInvalidUpstream, nil))
        issuer = LeafCertificateIssuer(authority: authority)
        placeholder = try issuer.leaf(for: LeafIdentity(commonName: "Mail Security Appliance", dnsNames: ["mail-security.invalid"],
                                                        ipAddresses: []),
                                      trusted: false, upstreamNotAfter: nil)
    }

    public func judgeUpstream(_ chain: [NIOSSLCertificate], serverName: String?,
                              on eventLoop: any EventLoop) -> EventLoopFuture<UpstreamJudgement> {
        let verifier = self.verifier
        return eventLoop.makeFutureWithTask {
            UpstreamJudgement(chain: chain, failure: Self.failure(await verifier.verify(chain, serverName: serverName)))
        }
    }

    public func clientContext(for pending: EventLoopFuture<UpstreamJudgement>, server: SocketAddress?,
                              judged: @escaping @Sendable (UpstreamJudgement) -> Void) throws -> NIOSSLContext {
        let own = server?.ipAddress.flatMap(HTTPDHost.addressBytes).flatMap { address in
            ownServers.withLockedValue { $0[address] }
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: placeholder.nioCertificateChain.map { .certificate($0) },
            privateKey: .privateKey(placeholder.nioPrivateKey))
        configuration.minimumTLSVersion = .tlsv1
        let issuer = self.issuer, verifier = self.verifier, refuses = refusesInvalidUpstream
        configuration.sslContextCallback = { hello, promise in
            promise.completeWithTask {
                let upstream = try await pending.get()
                if let own {
                    // The office's own server: its real certificate, so DANE and MTA-STS
                    // senders see what they expect (docs/tls.md).
                    judged(UpstreamJudgement(chain: upstream.chain, failure: nil))
                    return own.configurationOverride
                }
                guard let first = upstream.chain.first, let leaf = try? Certificate(derEncoded: first.toDERBytes()) else {
                    throw UpstreamUnusable()
                }
                var judgement = upstream
                // RFC 6066 §3: SNI names a host, never an address; some clients (fetchmail)
                // send the address they were given anyway. That names nothing to check.
                let name = hello.serverHostname.flatMap { HTTPDHost.addressBytes($0) == nil ? $0 : nil }
                if let name, upstream.trusted {
                    // The name the client asked for is known only now (STARTTLS came first).
                    judgement.failure = Self.failure(await verifier.verify(upstream.chain, serverName: name))
                }
                judged(judgement)
                if !judgement.trusted && refuses { throw UpstreamUnusable() }
                return try issuer.leaf(mirroring: leaf, serverName: name,
                                       verdict: judgement.trusted ? .trusted : .untrusted(.unknownIssuer)).configurationOverride
            }
        }
        return try NIOSSLContext(configuration: configuration)
    }

    private static func failure(_ verdict: UpstreamVerdict) -> String? {
        switch verdict {
        case .trusted: nil
        case .untrusted(let failure): failure.rawValue
        }
    }

    /// The upstream's certificate cannot stand behind a leaf (unparsable, or refused by setting).
    struct UpstreamUnusable: Error {}
}
