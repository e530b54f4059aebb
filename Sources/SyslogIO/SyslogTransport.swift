import Foundation
import Telemetry
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The sockets syslog lines leave through: one UDP socket per address family and one UNIX
/// datagram socket for the local daemon. All non-blocking, opened once and closed only when
/// the transport goes away, so a send on one thread never races a close on another.
final class SyslogTransport: Sendable {
    enum Outcome: Equatable {
        case sent
        /// Not sent: the socket buffer was full or the kernel refused it.
        case dropped
        /// No local syslog daemon listens (the path does not exist or nobody is bound to it).
        case unavailable
    }

    private let udp4: Int32
    private let udp6: Int32
    private let local: Int32
    private let localPath: String?

    init(localSocketPath: String?) {
        udp4 = Self.openSocket(AF_INET, Self.datagramType)
        udp6 = Self.openSocket(AF_INET6, Self.datagramType)
        // sockaddr_un.sun_path is 108 bytes on Linux; a longer path cannot be addressed.
        if let path = localSocketPath, path.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) {
            local = Self.openSocket(AF_UNIX, Self.datagramType)
            localPath = path
        } else {
            local = -1
            localPath = nil
        }
    }

    deinit {
        for fd in [udp4, udp6, local] where fd >= 0 { close(fd) }
    }

    #if canImport(Glibc)
    private static let datagramType = Int32(SOCK_DGRAM.rawValue)
    private static let sendFlags = Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL)
    #else
    private static let datagramType = SOCK_DGRAM
    private static let sendFlags = MSG_DONTWAIT
    #endif

    /// A datagram socket in non-blocking, close-on-exec mode (-1 if the family is missing).
    private static func openSocket(_ family: Int32, _ type: Int32) -> Int32 {
        let fd = socket(family, type, 0)
        guard fd >= 0 else { return -1 }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return fd
    }

    /// One datagram to a collector. Never waits: MSG_DONTWAIT plus O_NONBLOCK, a full buffer drops.
    func send(_ bytes: [UInt8], to address: SyslogAddress, port: UInt16) -> Outcome {
        if address.isIPv6 {
            guard udp6 >= 0 else { return .dropped }
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &sa.sin6_addr) { $0.copyBytes(from: address.bytes) }
            return Self.sendto(udp6, bytes, &sa) == nil ? .sent : .dropped
        } else {
            guard udp4 >= 0 else { return .dropped }
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &sa.sin_addr) { $0.copyBytes(from: address.bytes) }
            return Self.sendto(udp4, bytes, &sa) == nil ? .sent : .dropped
        }
    }

    /// False when no local socket path was given (or it is too long to address).
    var hasLocalSocket: Bool { local >= 0 }

    /// One datagram to the local syslog socket, if a daemon is there.
    func sendLocal(_ bytes: [UInt8]) -> Outcome {
        guard local >= 0, let localPath else { return .unavailable }
        var sa = sockaddr_un()
        sa.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &sa.sun_path) { raw in
            raw.copyBytes(from: Array(localPath.utf8) + [0])
        }
        switch Self.sendto(local, bytes, &sa) {
        case nil: return .sent
        // Nothing listens there (no file, no daemon bound, not a datagram socket): the box
        // simply has no local syslog — not a line of ours lost.
        case ENOENT, ECONNREFUSED, ENOTSOCK, ENOTDIR, EACCES, EPROTOTYPE: return .unavailable
        default: return .dropped
        }
    }

    /// nil when the whole datagram left, else the errno of the failure (EAGAIN: buffer full).
    private static func sendto<Address>(_ fd: Int32, _ bytes: [UInt8], _ address: inout Address) -> Int32? {
        let size = socklen_t(MemoryLayout<Address>.size)
        let rc = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    #if canImport(Glibc)
                    Glibc.sendto(fd, buffer.baseAddress, buffer.count, sendFlags, $0, size)
                    #else
                    Darwin.sendto(fd, buffer.baseAddress, buffer.count, sendFlags, $0, size)
                    #endif
                }
            }
        }
        if rc == bytes.count { return nil }
        return rc < 0 ? errno : EMSGSIZE
    }
}
