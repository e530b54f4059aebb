import Telemetry
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Host-name resolution for `syslog host NAME`. getaddrinfo(3) blocks, so the sender only
/// ever calls this on its own background queue, never on a caller's (event-loop) thread.
public enum SyslogResolver {
    public typealias Function = @Sendable (String) -> SyslogAddress?

    /// The first IPv4 or IPv6 address of `name`, or nil when it does not resolve.
    public static let system: Function = { name in
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        #else
        hints.ai_socktype = SOCK_DGRAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(first) }
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let sa = entry.pointee.ai_addr {
                switch Int32(sa.pointee.sa_family) {
                case AF_INET:
                    let bytes = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p in
                        withUnsafeBytes(of: p.pointee.sin_addr) { Array($0) }
                    }
                    return SyslogAddress(bytes: bytes)
                case AF_INET6:
                    let bytes = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                        withUnsafeBytes(of: p.pointee.sin6_addr) { Array($0) }
                    }
                    return SyslogAddress(bytes: bytes)
                default: break
                }
            }
            cursor = entry.pointee.ai_next
        }
        return nil
    }
}
