/// One entry of `mail security tls exempt`: servers whose encrypted sessions pass untouched
/// (docs/tls.md, "Exempt servers"). Pure: addresses compared as bytes, names as lower-case text.
///
///     mail security tls exempt 192.0.2.25 198.51.100.0/24 2001:db8::/32
///     mail security tls exempt mail.example.com *.example.net
public enum TLSExemptEntry: Equatable, Hashable, Sendable {
    /// An address (prefix of the full length) or a CIDR prefix, the network part only.
    case network(address: [UInt8], prefixLength: Int)
    /// Exactly this server name (the client's SNI).
    case domain(String)
    /// `*.example.com`: any name under it, at any depth, not the domain itself.
    case subdomains(of: String)

    /// Parses one word; nil when it is none of the forms above. A prefix's host bits are
    /// cleared (`192.0.2.7/24` is `192.0.2.0/24`).
    public init?(word: String) {
        let lowered = word.lowercased()
        if lowered.hasPrefix("*.") {
            let domain = lowered.dropFirst(2)
            guard ValueSyntax.isHostName(domain) else { return nil }
            self = .subdomains(of: String(domain))
            return
        }
        let parts = lowered.split(separator: "/", omittingEmptySubsequences: false)
        if let bytes = HTTPDHost.addressBytes(String(parts[0])) {
            let full = bytes.count * 8
            var length = full
            if parts.count == 2 {
                guard !parts[1].isEmpty, parts[1].count <= 3, parts[1].allSatisfy(\.isASCIIDigit),
                      let value = Int(parts[1]), value <= full else { return nil }
                length = value
            } else if parts.count > 2 {
                return nil
            }
            self = .network(address: Self.masked(bytes, length), prefixLength: length)
            return
        }
        guard parts.count == 1, ValueSyntax.isHostName(Substring(lowered)) else { return nil }
        self = .domain(lowered)
    }

    /// The word `show config` writes.
    public var canonical: String {
        switch self {
        case .network(let address, let length):
            let text = AddressText.format(address)
            return length == address.count * 8 ? text : "\(text)/\(length)"
        case .domain(let name): return name
        case .subdomains(let domain): return "*." + domain
        }
    }

    /// Whether a session to `address` (4 or 16 bytes), for `serverName` (the client's SNI, when
    /// it sent one), is exempt under this entry.
    public func matches(address: [UInt8], serverName: String?) -> Bool {
        switch self {
        case .network(let network, let length):
            return address.count == network.count && Self.masked(address, length) == network
        case .domain(let name):
            return serverName.map { Self.normalised($0) == name } ?? false
        case .subdomains(let domain):
            return serverName.map { Self.normalised($0).hasSuffix("." + domain) } ?? false
        }
    }

    /// Whether any of `entries` exempts the session.
    public static func isExempt(_ entries: [TLSExemptEntry], address: [UInt8], serverName: String?) -> Bool {
        entries.contains { $0.matches(address: address, serverName: serverName) }
    }

    private static func normalised(_ name: String) -> String {
        let lowered = name.lowercased()
        return lowered.hasSuffix(".") ? String(lowered.dropLast()) : lowered
    }

    private static func masked(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let bits = min(8, max(0, length - index * 8))
            return bits == 8 ? byte : byte & ~(UInt8(0xFF) >> bits)
        }
    }
}
