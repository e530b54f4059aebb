import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The console's side of the control socket: a plain blocking client. It runs in the
/// `mailsec` command, never inside the daemon, so blocking calls are fine here.
public final class ControlClient {
    private let fd: Int32
    private var pending = Data()

    public init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ControlClientError.cannotConnect(path, errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            close(fd)
            throw ControlClientError.cannotConnect(path, ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard rc == 0 else {
            let code = errno
            close(fd)
            throw ControlClientError.cannotConnect(path, code)
        }
    }

    deinit { close(fd) }

    /// Sends one command line and waits for its reply.
    public func run(_ command: String) throws -> ConsoleReply {
        let line = command.replacingOccurrences(of: "\n", with: " ") + "\n"
        var data = Array(line.utf8)
        var sent = 0
        while sent < data.count {
            let n = data.withUnsafeMutableBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                // The daemon may have answered and closed before reading the request (it refuses
                // a peer that is not allowed at once): read what it said before giving up.
                break
            }
            sent += n
        }
        data.removeAll()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let lineData = pending[pending.startIndex..<newline]
                pending.removeSubrange(pending.startIndex...newline)
                guard let reply = ConsoleReply.decode(line: Data(lineData)) else {
                    throw ControlClientError.badReply
                }
                return reply
            }
            guard pending.count <= ControlLimits.maximumReply else { throw ControlClientError.badReply }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw ControlClientError.connectionLost }
            pending.append(contentsOf: chunk[0..<n])
        }
    }
}

public enum ControlClientError: Error, CustomStringConvertible {
    case cannotConnect(String, Int32)
    case connectionLost
    case badReply

    public var description: String {
        switch self {
        case .cannotConnect(let path, let code):
            "Error: Cannot reach the daemon at \(path) (\(String(cString: strerror(code))))"
        case .connectionLost: "Error: The daemon closed the connection"
        case .badReply: "Error: Unreadable reply from the daemon"
        }
    }
}
