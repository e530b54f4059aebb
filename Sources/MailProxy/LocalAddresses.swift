import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// The host's own IP addresses (`getifaddrs`), for the transparent proxy's loop guard: a
/// session whose original destination is one of them was addressed to the box, not diverted
/// on its way elsewhere. Cached briefly: the lookup is a netlink dump, cheap but not free, and
/// is asked once per accepted connection on an event loop.
public final class LocalAddresses: Sendable {
    public static let shared = LocalAddresses()

    /// Long enough to spare a burst of connections the lookups, short enough that an address
    /// added by the administrator is known almost at once.
    static let refreshInterval: TimeInterval = 1

    private struct Snapshot {
        var addresses: Set<String> = []
        var taken = Date.distantPast
    }
    private let snapshot = NIOLockedValueBox(Snapshot())

    public init() {}

    /// True when `address`'s IP (port ignored) is one of the host's own.
    public func contains(_ address: SocketAddress) -> Bool {
        guard let ip = address.ipAddress else { return false }
        return snapshot.withLockedValue { snapshot in
            if Date().timeIntervalSince(snapshot.taken) > Self.refreshInterval {
                snapshot.addresses = Self.lookUp()
                snapshot.taken = Date()
            }
            return snapshot.addresses.contains(ip)
        }
    }

    private static func lookUp() -> Set<String> {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var found: Set<String> = []
        var entry: UnsafeMutablePointer<ifaddrs>? = first
        while let current = entry {
            if let raw = current.pointee.ifa_addr {
                var address: SocketAddress?
                switch Int32(raw.pointee.sa_family) {
                case AF_INET:
                    address = UnsafeRawPointer(raw).withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee) }
                case AF_INET6:
                    address = UnsafeRawPointer(raw).withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee) }
                default:
                    address = nil
                }
                if let ip = address?.ipAddress { found.insert(ip) }
            }
            entry = current.pointee.ifa_next
        }
        return found
    }
}
