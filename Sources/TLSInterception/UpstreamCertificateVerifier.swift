import Foundation
import NIOSSL
// Fixed validation time: the caller's clock (tests move it), not the library's own reading of
// the time. Validity disabled: only to ask why a chain failed (UpstreamFailureClassifier.swift).
@_spi(FixedExpiryValidationTime) @_spi(DisableValidityCheck) import X509

/// Verifies the upstream server's certificate chain, always, before the appliance shows the
/// client a certificate of its own (docs/tls.md, "Upstream verification"): a path to a trust
/// anchor (the system's roots plus the administrator's), every certificate valid now, and the
/// name only when the client sent one (SNI) — a transparent proxy knows no other name.
///
/// Immutable after start: the anchors are read once (`load`) and shared by every event loop.
/// `verify` is async like swift-certificates' `Verifier` and never blocks.
public struct UpstreamCertificateVerifier: Sendable {
    public let trustRoots: CertificateStore
    /// How many anchors were loaded, for the daemon's start-up log line.
    public let anchorCount: Int

    public init(anchors: [Certificate]) {
        self.trustRoots = CertificateStore(anchors)
        self.anchorCount = anchors.count
    }

    /// The system bundle (missing: no system anchors) plus the administrator's PEM file (given
    /// but unreadable or malformed: an error, since the administrator expects it to count).
    /// Blocking file reads: at start, or off the event loops when the setting changes.
    public static func load(systemBundle: String? = TrustAnchors.systemBundlePath,
                            administratorAnchors: String?) throws -> UpstreamCertificateVerifier {
        var anchors = systemBundle.map { TrustAnchors.loadSystem(path: $0) } ?? []
        if let administratorAnchors { anchors += try TrustAnchors.load(path: administratorAnchors) }
        return UpstreamCertificateVerifier(anchors: anchors)
    }

    /// Verifies a chain as NIOSSL hands it over (`NIOSSLHandler.peerCertificateChain`, leaf first).
    public func verify(_ chain: [NIOSSLCertificate], serverName: String?, now: Date = Date()) async -> UpstreamVerdict {
        var der: [[UInt8]] = []
        for certificate in chain.prefix(TLSInterceptionLimits.maxUpstreamChainLength + 1) {
            guard let bytes = try? certificate.toDERBytes() else { return .untrusted(.malformed) }
            der.append(bytes)
        }
        return await verify(chainDER: der, serverName: serverName, now: now)
    }

    /// Verifies a chain of DER certificates, leaf first.
    public func verify(chainDER: [[UInt8]], serverName: String?, now: Date = Date()) async -> UpstreamVerdict {
        guard !chainDER.isEmpty, chainDER.count <= TLSInterceptionLimits.maxUpstreamChainLength else { return .untrusted(.malformed) }
        var chain: [Certificate] = []
        for der in chainDER {
            guard let certificate = try? Certificate(derEncoded: der) else { return .untrusted(.malformed) }
            chain.append(certificate)
        }
        return await verify(chain: chain, serverName: serverName, now: now)
    }

    /// Verifies parsed certificates, leaf first.
    public func verify(chain: [Certificate], serverName: String?, now: Date = Date()) async -> UpstreamVerdict {
        guard let leaf = chain.first, chain.count <= TLSInterceptionLimits.maxUpstreamChainLength else { return .untrusted(.malformed) }
        let intermediates = CertificateStore(chain.dropFirst())
        // Names compare without case and without the root's trailing dot (RFC 6125 §6.4.1).
        let name = serverName.map { $0.lowercased() }.map { $0.hasSuffix(".") ? String($0.dropLast()) : $0 }
            .flatMap { $0.isEmpty ? nil : $0 }

        var full = Verifier(rootCertificates: trustRoots) {
            RFC5280Policy(fixedExpiryValidationTime: now)
            if let name { ServerIdentityPolicy(serverHostname: name, serverIP: nil) }
        }
        if case .validCertificate = await full.validate(leaf: leaf, intermediates: intermediates) { return .trusted }

        // Failed: is there a path to an anchor at all, leaving time and name aside?
        var structural = Verifier(rootCertificates: trustRoots) { RFC5280Policy.withValidityCheckDisabled() }
        var found: [Certificate]?
        if case .validCertificate(let validated) = await structural.validate(leaf: leaf, intermediates: intermediates) {
            found = Array(validated)
        }
        return .untrusted(UpstreamFailureClassifier.classify(
            chainIgnoringTimeAndName: found, leafIsSelfSigned: UpstreamFailureClassifier.isSelfSigned(leaf),
            now: now, serverName: name))
    }
}
