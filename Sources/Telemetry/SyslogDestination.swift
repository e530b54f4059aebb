import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One `syslog host` entry: `HOST`, `HOST:PORT`, `[V6]`, `[V6]:PORT` or a bare IPv6 address.
/// Numeric addresses are parsed here (inet_pton, no resolver, no blocking); anything else is
/// a name that must be resolved off the caller's thread.
public struct SyslogDestination: Equatable, Sendable {
    public enum Host: Equatable, Sendable {
        case address(SyslogAddress)
        case name(String)
    }

    public var host: Host
    public var port: UInt16

    /// Parses an entry; nil when it is not one (empty, bad port, unbalanced brackets).
    public init?(_ entry: String) {
        let text = entry.trimmingCharacters(in: .whitespaces)
        var hostText: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            // RFC 3986 §3.2.2 style: brackets around an IPv6 literal, optional ":PORT".
            guard let close = text.firstIndex(of: "]") else { return nil }
            hostText = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            }
            guard let address = SyslogAddress(numeric: String(hostText)), address.isIPv6 else { return nil }
        } else if text.filter({ $0 == ":" }).count > 1 {
            hostText = Substring(text) // a bare IPv6 address: no port possible without brackets
        } else if let colon = text.firstIndex(of: ":") {
            hostText = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            hostText = Substring(text)
        }
        guard !hostText.isEmpty else { return nil }
        if let portText {
            guard let value = UInt16(portText), value > 0 else { return nil }
            port = value
        } else {
            port = TelemetryLimits.defaultSyslogPort
        }
        if let address = SyslogAddress(numeric: String(hostText)) {
            host = .address(address)
        } else {
            // RFC 1123 §2.1 host names: letters, digits, hyphens and dots; anything else is not one.
            let name = String(hostText)
            guard name.count <= 253, !name.contains(":"),
                  name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "." || $0 == "_") })
            else { return nil }
            host = .name(name)
        }
    }
}

/// A numeric IPv4 or IPv6 address (network byte order) — a plain value, so it can cross threads.
public struct SyslogAddress: Equatable, Hashable, Sendable {
    /// 4 bytes for IPv4, 16 for IPv6.
    public var bytes: [UInt8]

    public var isIPv6: Bool { bytes.count == 16 }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// inet_pton(3): only dotted-quad IPv4 or RFC 4291 §2.2 IPv6 text; never a name lookup.
    public init?(numeric text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
            return
        }
        return nil
    }
}
