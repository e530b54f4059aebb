#if canImport(Glibc)
import Glibc
#endif

/// One word of `httpd host`: which hosts may connect to the web console (the router's meaning).
///
///     httpd host 192.0.2.10
///     httpd host 192.0.2.1-192.0.2.63 2001:db8::10
///     httpd host lan1 | any | none
///
/// Pure: addresses are compared as bytes, in network order, within one family.
public enum HTTPDHost: Equatable, Sendable {
    /// Every host.
    case any
    /// No host (the web console is closed).
    case none
    /// Hosts on the networks of the LAN1 interface.
    case lan1
    /// An inclusive range of addresses of one family (a single address is a range of one).
    case range(lower: [UInt8], upper: [UInt8])

    /// Parses one word; nil when it is not one of the forms above.
    public init?(word: String) {
        switch word.lowercased() {
        case "any": self = .any
        case "none": self = .none
        case "lan1": self = .lan1
        default:
            let parts = word.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count),
                  let lower = Self.addressBytes(String(parts[0])),
                  let upper = parts.count == 2 ? Self.addressBytes(String(parts[1])) : lower,
                  lower.count == upper.count, lower.lexicographicallyPrecedes(upper) || lower == upper
            else { return nil }
            self = .range(lower: lower, upper: upper)
        }
    }

    /// Whether `address` (4 or 16 bytes) is inside this range. `.lan1` is decided by the caller,
    /// which knows the interface's networks.
    public func contains(_ address: [UInt8]) -> Bool {
        switch self {
        case .any: true
        case .none, .lan1: false
        case .range(let lower, let upper):
            address.count == lower.count && !address.lexicographicallyPrecedes(lower) && !upper.lexicographicallyPrecedes(address)
        }
    }

    /// The 4 or 16 bytes of a numeric IPv4 or IPv6 address (no names, no zone).
    public static func addressBytes(_ text: String) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.count <= CommandLimits.maxIPv6TextLength else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
