import Foundation

/// The answer to one console command, as it crosses the control socket.
///
/// Wire format (one request, one reply, any number per connection):
/// ```
/// C: mail security max size 0\n
/// S: {"ok":false,"output":"Error: Parameter out of range\n"}\n
/// ```
/// A request is one UTF-8 line of at most `ControlLimits.maximumRequestLine` bytes; a reply is
/// one JSON object on one line (JSON escapes every newline inside `output`).
public struct ConsoleReply: Codable, Equatable, Sendable {
    /// False when the command was refused; `output` then holds the `Error: …` line.
    public var ok: Bool
    /// What the console prints, each line ending in "\n" (may be empty).
    public var output: String

    public init(ok: Bool, output: String) {
        self.ok = ok
        self.output = output
    }

    public static func error(_ message: String) -> ConsoleReply {
        ConsoleReply(ok: false, output: message + "\n")
    }

    public func encodedLine() -> Data {
        var data = (try? JSONEncoder().encode(self)) ?? Data(#"{"ok":false,"output":"Error: internal"}"#.utf8)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    public static func decode(line: Data) -> ConsoleReply? {
        try? JSONDecoder().decode(ConsoleReply.self, from: line)
    }
}

/// Bounds of the control socket protocol.
public enum ControlLimits {
    /// A console line longer than this is refused, never buffered further. Routers cap a
    /// command line far lower; 8 KiB leaves room for white-list sets and quoted prefixes.
    public static let maximumRequestLine = 8 * 1024
    /// A reply larger than this is a protocol error on the client side (histories are bounded,
    /// so real replies stay far below it).
    public static let maximumReply = 4 * 1024 * 1024
}
