import NIOCore

/// The clamd wire protocol (clamd(8) "COMMANDS"), pure: request framing and reply parsing.
///
/// ```
/// C: zINSTREAM\0 <len32be><bytes> … <0x00000000>
/// S: stream: OK\0                      (clean)
/// S: stream: Eicar-Test-Sig.UNOFFICIAL FOUND\0
/// S: INSTREAM size limit exceeded. ERROR\0
/// ```
/// The `z` prefix makes replies NUL-terminated and clamd close the connection after one command.
public enum ClamdProtocol {
    public enum Reply: Equatable, Sendable {
        case clean
        case infected([String])
        case error(String)
    }

    /// The INSTREAM request: slices of `message` (no copy) with their length prefixes.
    public static func instream(_ message: ByteBuffer, chunkBytes: Int = DaemonLimits.clamdChunkBytes) -> [ByteBuffer] {
        var parts = [ByteBuffer(string: "zINSTREAM\0")]
        var remaining = message
        while remaining.readableBytes > 0 {
            let count = min(chunkBytes, remaining.readableBytes)
            var length = ByteBuffer()
            length.writeInteger(UInt32(count), endianness: .big)
            parts.append(length)
            parts.append(remaining.readSlice(length: count)!)  // count ≤ readableBytes
        }
        var end = ByteBuffer()
        end.writeInteger(UInt32(0), endianness: .big)
        parts.append(end)
        return parts
    }

    public static let ping = [ByteBuffer(string: "zPING\0")]

    /// Parses the answer to INSTREAM. Each NUL- or newline-terminated line is one result
    /// (`AllMatchScan` may give several FOUND lines). Anything unrecognised is an error, so a
    /// confused clamd is never read as "clean".
    public static func parse(_ reply: ByteBuffer) -> Reply {
        let text = String(decoding: reply.readableBytesView, as: UTF8.self)
        let lines = text.split(whereSeparator: { $0 == "\0" || $0.isNewline }).map { $0.trimmingCharacters(in: " \r") }
            .filter { !$0.isEmpty }
        guard !lines.isEmpty else { return .error("empty reply") }
        var viruses: [String] = []
        for line in lines {
            if line.hasSuffix(" ERROR") { return .error(String(line.prefix(200))) }
            // "stream: NAME FOUND" — NAME may itself contain spaces in custom databases.
            guard let colon = line.firstIndex(of: ":") else { return .error(String(line.prefix(200))) }
            let result = line[line.index(after: colon)...].trimmingCharacters(in: " ")
            if result == "OK" { continue }
            guard result.hasSuffix(" FOUND") else { return .error(String(line.prefix(200))) }
            let name = result.dropLast(" FOUND".count).trimmingCharacters(in: " ")
            guard !name.isEmpty else { return .error(String(line.prefix(200))) }
            if !viruses.contains(name) { viruses.append(name) }
        }
        return viruses.isEmpty ? .clean : .infected(viruses)
    }
}

extension StringProtocol {
    /// Trims the given ASCII characters from both ends (Foundation-free).
    func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
