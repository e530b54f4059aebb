import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small blocking POP3 client (RFC 1939) for tests: USER/PASS, STAT, LIST, RETR, DELE, QUIT.
/// It keeps the wire form of every retrieved message, so a test can check both the message
/// (un-dot-stuffed) and the dot-stuffing the server applied.
///
///     C: RETR 1
///     S: +OK 26 octets
///     S: ..dot line          ← wire (stuffed)
///     S: .                   ← end of the multi-line response
public final class POP3Client {
    public struct Retrieved: Sendable {
        /// The message: lines as received, with their line endings, the leading '.' of a
        /// stuffed line removed and the terminating `.` line dropped.
        public var message: Data
        /// The bytes between the `+OK` line and the terminating `.` line, exactly as sent.
        public var wire: Data
    }

    public enum Failure: Error, CustomStringConvertible {
        case connect(String)
        case closed
        case timeout
        case negative(command: String, reply: String)

        public var description: String {
            switch self {
            case .connect(let why): return "POP3 connect failed: \(why)"
            case .closed: return "POP3 server closed the connection"
            case .timeout: return "POP3 server did not answer in time"
            case .negative(let command, let reply): return "POP3 \(command) → \(reply)"
            }
        }
    }

    private let fd: Int32
    private var buffer: [UInt8] = []
    /// The server's greeting line (`+OK …`, without CRLF).
    public private(set) var greeting = ""

    public init(port: Int, host: String = "127.0.0.1", timeout: TimeInterval = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.connect(String(cString: strerror(errno))) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int(timeout.truncatingRemainder(dividingBy: 1) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr(host)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw Failure.connect("\(host):\(port): \(why)")
        }
        greeting = "+OK " + (try readStatus(for: "greeting"))
    }

    deinit { close(fd) }

    // MARK: commands

    public func login(user: String, password: String) throws {
        try command("USER \(user)")
        try command("PASS \(password)", shown: "PASS ****")
    }

    /// STAT: (message count, total octets).
    public func stat() throws -> (count: Int, octets: Int) {
        let fields = try command("STAT").split(separator: " ")
        return (Int(fields.first ?? "") ?? 0, Int(fields.dropFirst().first ?? "") ?? 0)
    }

    /// LIST: message number → size in octets as the server counts it (CRLF line endings).
    public func list() throws -> [(number: Int, octets: Int)] {
        try command("LIST")
        return try readMultiline().lines.compactMap { line in
            let fields = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
            guard fields.count == 2, let n = Int(fields[0]), let size = Int(fields[1]) else { return nil }
            return (n, size)
        }
    }

    public func retrieve(_ number: Int) throws -> Retrieved {
        try command("RETR \(number)")
        let response = try readMultiline()
        var message = Data()
        for line in response.lines {
            // RFC 1939 §3: a line starting with '.' was stuffed; drop that first octet.
            message.append(contentsOf: line.first == UInt8(ascii: ".") ? line.dropFirst() : line[...])
        }
        return Retrieved(message: message, wire: response.wire)
    }

    public func delete(_ number: Int) throws { try command("DELE \(number)") }

    /// QUIT: enters the UPDATE state (deletions take effect) and closes.
    public func quit() throws { try command("QUIT") }

    /// Sends one command and returns the text after `+OK `; throws on `-ERR`.
    @discardableResult
    public func command(_ line: String, shown: String? = nil) throws -> String {
        try send(Data((line + "\r\n").utf8))
        return try readStatus(for: shown ?? line)
    }

    /// Logs in, retrieves every message (optionally deleting them), quits.
    public static func fetchAll(port: Int, host: String = "127.0.0.1", user: String, password: String,
                                delete: Bool = false) throws -> [Retrieved] {
        let client = try POP3Client(port: port, host: host)
        try client.login(user: user, password: password)
        var messages: [Retrieved] = []
        for entry in try client.list() {
            messages.append(try client.retrieve(entry.number))
            if delete { try client.delete(entry.number) }
        }
        try client.quit()
        return messages
    }

    // MARK: wire

    private func send(_ data: Data) throws {
        var offset = 0
        let bytes = [UInt8](data)
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure.closed }
            offset += n
        }
    }

    /// One line including its LF (and CR, if any).
    private func readLine() throws -> [UInt8] {
        while true {
            if let lf = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[...lf])
                buffer.removeFirst(lf + 1)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { throw Failure.timeout }
            guard n > 0 else { throw Failure.closed }
            buffer += chunk[..<n]
        }
    }

    private func readStatus(for command: String) throws -> String {
        let line = String(decoding: try readLine(), as: UTF8.self)
            .trimmingCharacters(in: CharacterSet(charactersIn: "\r\n"))
        guard line.hasPrefix("+OK") else { throw Failure.negative(command: command, reply: line) }
        return String(line.dropFirst(3).drop { $0 == " " })
    }

    /// Lines up to (not including) the `.` CRLF terminator, and their wire bytes.
    private func readMultiline() throws -> (lines: [[UInt8]], wire: Data) {
        var lines: [[UInt8]] = []
        var wire = Data()
        while true {
            let line = try readLine()
            if line == Array(".\r\n".utf8) { return (lines, wire) }
            lines.append(line)
            wire.append(contentsOf: line)
        }
    }
}
