import SwiftASN1
import X509

/// The names a minted leaf carries: those of the upstream server's certificate, so the client
/// checks the leaf against the name it asked for exactly as it would have checked the real one.
/// Normalised (DNS names in lower case, sorted, without duplicates) so that it is also the key of
/// the leaf cache. Pure: built from a parsed certificate, no I/O.
public struct LeafIdentity: Hashable, Sendable, CustomStringConvertible {
    /// The subject's common name; clients no longer match it, but people read it.
    public let commonName: String?
    /// subjectAltName dNSName entries (wildcards such as `*.example.com` kept as they are).
    public let dnsNames: [String]
    /// subjectAltName iPAddress entries, 4 or 16 bytes each.
    public let ipAddresses: [[UInt8]]

    /// Drops what no certificate should carry (over-long or non-printable names, addresses of a
    /// wrong length) and keeps at most `TLSInterceptionLimits.maxMirroredNames` names: the
    /// upstream certificate comes from the network (habit 4 of docs/engineering-habits.md).
    public init(commonName: String?, dnsNames: [String], ipAddresses: [[UInt8]]) {
        self.commonName = commonName.flatMap { name in
            name.count <= TLSInterceptionLimits.maxCommonNameLength && Self.isPrintable(name) && !name.isEmpty ? name : nil
        }
        let names = Set(dnsNames.map { $0.lowercased() }.filter(Self.isDNSName)).sorted()
        self.dnsNames = Array(names.prefix(TLSInterceptionLimits.maxMirroredNames))
        let addresses = Set(ipAddresses.filter { $0.count == 4 || $0.count == 16 })
            .sorted { $0.lexicographicallyPrecedes($1) }
        self.ipAddresses = Array(addresses.prefix(max(0, TLSInterceptionLimits.maxMirroredNames - self.dnsNames.count)))
    }

    /// The identity of `upstream`'s leaf certificate. When it has no subjectAltName (old
    /// servers), the client's SNI stands in for it, else the common name when it is a host
    /// name: a client that verifies needs a subjectAltName to match (RFC 6125 §6.4.4).
    public init(mirroring upstream: Certificate, serverName: String?) {
        var commonName: String?
        for rdn in upstream.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                commonName = commonName ?? String(attribute.value)
            }
        }
        var dns: [String] = []
        var ips: [[UInt8]] = []
        if let names = try? upstream.extensions.subjectAlternativeNames {
            for name in names {
                switch name {
                case .dnsName(let text): dns.append(text)
                case .ipAddress(let octets): ips.append(Array(octets.bytes))
                default: continue
                }
            }
        }
        if dns.isEmpty, ips.isEmpty {
            if let serverName, Self.isDNSName(serverName.lowercased()) {
                dns = [serverName]
            } else if let commonName, Self.isDNSName(commonName.lowercased()) {
                dns = [commonName]
            }
        }
        self.init(commonName: commonName ?? dns.first, dnsNames: dns, ipAddresses: ips)
    }

    /// Whether the identity names anything a client could match.
    public var isEmpty: Bool { dnsNames.isEmpty && ipAddresses.isEmpty }

    public var description: String {
        let addresses = ipAddresses.map { bytes in
            bytes.count == 4 ? bytes.map(String.init).joined(separator: ".")
                : stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
        }
        return (dnsNames + addresses).joined(separator: ",")
    }

    /// Letters, digits, `-`, `_`, `.` and a leading `*.`, up to 253 characters: what a dNSName
    /// of a real certificate holds (RFC 5280 §4.2.1.6 allows only IA5 text there).
    static func isDNSName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= TLSInterceptionLimits.maxDNSNameLength else { return false }
        let body = name.hasPrefix("*.") ? name.dropFirst(2) : Substring(name)
        return !body.isEmpty && body.first != "." && body.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x2E || byte == 0x5F
        }
    }

    static func isPrintable(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0.properties.generalCategory != .control }
    }
}
