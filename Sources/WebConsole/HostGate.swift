import ApplianceConfig

/// An IPv4 or IPv6 network (address bytes and prefix length), e.g. LAN1's `192.0.2.0/24`.
public struct IPNetwork: Equatable, Sendable {
    public var address: [UInt8]
    public var prefixLength: Int

    public init(address: [UInt8], prefixLength: Int) {
        self.address = address
        self.prefixLength = max(0, min(prefixLength, address.count * 8))
    }

    public func contains(_ other: [UInt8]) -> Bool {
        guard other.count == address.count else { return false }
        var bits = prefixLength
        for (a, b) in zip(address, other) where bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if a & mask != b & mask { return false }
            bits -= 8
        }
        return true
    }
}

/// Who may open the web console: `httpd host` (the router's meaning), LAN1's networks for
/// `httpd host lan1`, and the local host when `mailsecd --http-listen` asked for it. Pure.
public struct HostGate: Equatable, Sendable {
    /// nil: `httpd host` never entered, so the default applies (no host).
    public var hosts: [HTTPDHost]?
    public var lan1Networks: [IPNetwork]
    /// `mailsecd --http-listen`: tests and the demo open the console from the box itself.
    public var allowsLocalHost: Bool

    public init(hosts: [HTTPDHost]?, lan1Networks: [IPNetwork] = [], allowsLocalHost: Bool = false) {
        self.hosts = hosts
        self.lan1Networks = lan1Networks
        self.allowsLocalHost = allowsLocalHost
    }

    /// `peer`: the 4 or 16 address bytes of the connecting host. An IPv4-mapped IPv6 address
    /// (`::ffff:192.0.2.1`, what a dual-stack socket reports) is judged as the IPv4 address.
    public func allows(_ peer: [UInt8]) -> Bool {
        let address = Self.unmapped(peer)
        if allowsLocalHost, Self.isLoopback(address) { return true }
        for host in hosts ?? [] {
            switch host {
            case .lan1: if lan1Networks.contains(where: { $0.contains(address) }) { return true }
            default: if host.contains(address) { return true }
            }
        }
        return false
    }

    static func unmapped(_ bytes: [UInt8]) -> [UInt8] {
        if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            return Array(bytes[12...])
        }
        return bytes
    }

    static func isLoopback(_ bytes: [UInt8]) -> Bool {
        if bytes.count == 4 { return bytes[0] == 127 }
        return bytes == [UInt8](repeating: 0, count: 15) + [1]
    }
}
