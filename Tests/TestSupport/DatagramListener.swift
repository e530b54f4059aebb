import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A syslog collector for tests: a UDP socket on 127.0.0.1 or ::1 (kernel-chosen port), or
/// a UNIX datagram socket at a path, that hands back what arrives.
public final class DatagramListener: @unchecked Sendable {
    public let fd: Int32
    public let port: Int
    public let path: String?

    /// Binds UDP on `host` ("127.0.0.1" or "::1"), port 0.
    public init?(udp host: String) {
        let v6 = host.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var storage = sockaddr_storage()
        var length: socklen_t
        if v6 {
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            guard inet_pton(AF_INET6, host, &sa.sin6_addr) == 1 else { close(fd); return nil }
            withUnsafeBytes(of: sa) { src in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) } }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else {
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            guard inet_pton(AF_INET, host, &sa.sin_addr) == 1 else { close(fd); return nil }
            withUnsafeBytes(of: sa) { src in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) } }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        }
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { close(fd); return nil }
        var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        self.fd = fd
        path = nil
        port = withUnsafeBytes(of: storage) { raw in
            // sin_port and sin6_port are both at offset 2, network byte order.
            Int(UInt16(raw[2]) << 8 | UInt16(raw[3]))
        }
    }

    /// Binds a UNIX datagram socket at `path`.
    public init?(unixPath: String) {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var sa = sockaddr_un()
        sa.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &sa.sun_path) { $0.copyBytes(from: Array(unixPath.utf8) + [0]) }
        let bound = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { close(fd); return nil }
        self.fd = fd
        port = 0
        path = unixPath
    }

    deinit {
        close(fd)
        if let path { unlink(path) }
    }

    /// The next datagram, or nil if none arrives within `timeout` seconds.
    public func receive(timeout: Double = 2) -> String? {
        var pollfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pollfd, 1, Int32(timeout * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[..<n], as: UTF8.self)
    }

    /// Everything that arrives until `quiet` seconds pass with nothing new.
    public func drain(quiet: Double = 0.2) -> [String] {
        var lines: [String] = []
        while let line = receive(timeout: quiet) { lines.append(line) }
        return lines
    }
}
