#if canImport(Glibc)
import Glibc
#endif

/// The IPv4 and IPv6 networks configured on one interface (getifaddrs): what `httpd host lan1`
/// lets in. Read at each request, so an address change on LAN1 takes effect at once.
public enum InterfaceNetworks {
    public static func of(_ name: String) -> [IPNetwork] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var networks: [IPNetwork] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard String(cString: entry.pointee.ifa_name) == name,
                  let address = entry.pointee.ifa_addr, let mask = entry.pointee.ifa_netmask else { continue }
            switch Int32(address.pointee.sa_family) {
            case AF_INET:
                let a = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { withUnsafeBytes(of: $0.pointee.sin_addr) { Array($0) } }
                let m = mask.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { withUnsafeBytes(of: $0.pointee.sin_addr) { Array($0) } }
                networks.append(IPNetwork(address: a, prefixLength: m.reduce(0) { $0 + $1.nonzeroBitCount }))
            case AF_INET6:
                let a = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) } }
                let m = mask.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) } }
                networks.append(IPNetwork(address: a, prefixLength: m.reduce(0) { $0 + $1.nonzeroBitCount }))
            default:
                continue
            }
        }
        return networks
    }
}
