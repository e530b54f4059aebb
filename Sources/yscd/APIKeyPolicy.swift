import Foundation
import NIOHTTP1
import ScanProtocol

/// Who may use the scan service (issue: the management plane). On loopback only local
/// processes can reach it, so without a key it stays open; on any other address only a client
/// that presents the key (`--api-key-file`) may scan or ask for a licence, so no other host can
/// use the service. Without a key on such an address every scan and licence request is refused:
/// an open service on the network is never the default. `/v1/health` stays open (it reveals
/// nothing and lets monitoring see the service is up).
struct APIKeyPolicy: Sendable {
    /// The key every protected request must carry; nil: none configured.
    var key: [UInt8]?
    /// Whether the listen address is a loopback address.
    var loopbackOnly: Bool

    /// Whether a request for `path` with `headers` may go on.
    func admits(path: String, headers: HTTPHeaders) -> Bool {
        guard path != YSCEndpoint.healthPath else { return true }
        guard let key else { return loopbackOnly }
        guard let presented = Self.presentedKey(headers) else { return false }
        return Self.constantTimeEqual(Array(presented.utf8), key)
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
}
