import Foundation
import NIOHTTP1
import ScanProtocol

/// Who may use the scan service (issue: the management plane). On loopback only local
/// processes can reach it, so without a key it stays open; on any other address only a client
/// that proves it is the appliance may scan or ask for a licence, so no other host can use the
/// service. Two proofs are accepted: the key (`--api-key-file`) in the request, or a client
/// certificate that verified against the client CA (`--client-ca`) on the request's TLS
/// connection. With neither configured on such an address every scan and licence request is
/// refused: an open service on the network is never the default. `/v1/health` stays open (it
/// reveals nothing and lets monitoring see the service is up).
struct APIKeyPolicy: Sendable {
    /// The key every protected request must carry; nil: none configured.
    var key: [UInt8]?
    /// Whether the listen address is a loopback address.
    var loopbackOnly: Bool
    /// Whether the TLS listener asks clients for a certificate (`--client-ca`); only then can a
    /// connection's client certificate count as a proof.
    var acceptsClientCertificates = false

    /// What one request brings, besides its path: its headers (for a key) and whether its
    /// connection's client presented a certificate that verified against the client CA.
    struct Credentials {
        var headers: HTTPHeaders
        var clientCertificateVerified: Bool
    }

    /// Whether a request for `path` with `credentials` may go on.
    func admits(path: String, _ credentials: Credentials) -> Bool {
        guard path != YSCEndpoint.healthPath else { return true }
        let rightKey = key.map { key in
            Self.presentedKey(credentials.headers).map { Self.constantTimeEqual(Array($0.utf8), key) } ?? false
        } ?? false
        return Self.admits(loopback: loopbackOnly, keyConfigured: key != nil, rightKeyPresented: rightKey,
                           clientCertificateVerified: acceptsClientCertificates && credentials.clientCertificateVerified)
    }

    /// The decision for a scan or licence request, as a table of four facts:
    ///
    /// | right key presented | verified client certificate | loopback, no key configured | → |
    /// |---|---|---|---|
    /// | yes | – | – | admitted |
    /// | – | yes | – | admitted |
    /// | no | no | yes | admitted (only local processes reach it) |
    /// | no | no | no | refused (401) |
    ///
    /// `rightKeyPresented` can only be true when a key is configured; a key presented to a
    /// service without one proves nothing.
    static func admits(loopback: Bool, keyConfigured: Bool, rightKeyPresented: Bool, clientCertificateVerified: Bool) -> Bool {
        if keyConfigured && rightKeyPresented { return true }
        if clientCertificateVerified { return true }
        return loopback && !keyConfigured
    }

    /// `Authorization: Bearer KEY` (RFC 6750 §2.1) or `X-API-Key: KEY`.
    static func presentedKey(_ headers: HTTPHeaders) -> String? {
        if let authorization = headers.first(name: "Authorization") {
            let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]) }
        }
        return headers.first(name: YSCEndpoint.apiKeyHeader)
    }

    /// Compares without stopping at the first difference, so the time taken does not tell how
    /// much of a guess was right (the length is not secret: the key file's is the operator's).
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }

    /// Whether `host` (as given to `--listen`) is a loopback address: 127.0.0.0/8, ::1,
    /// `localhost`. Everything else, the wildcard addresses included, is the network.
    static func isLoopback(_ host: String) -> Bool {
        let lower = host.lowercased()
        if lower == "localhost" || lower == "::1" { return true }
        let octets = lower.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// The key in a key file: its first line, without surrounding white space.
    static func key(fromFile text: String) -> [UInt8]? {
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).first ?? ""
        let key = line.trimmingCharacters(in: .whitespaces)
        return key.isEmpty ? nil : Array(key.utf8)
    }

    /// Whether no client at all can use the scan and licence endpoints: a network address with
    /// neither a key nor a client CA (yscd warns at start and says `api-key=missing`).
    var refusesEveryone: Bool { !loopbackOnly && key == nil && !acceptsClientCertificates }
}
