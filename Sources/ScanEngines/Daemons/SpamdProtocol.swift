import NIOCore

/// The spamd protocol (SpamAssassin's spamd/PROTOCOL), pure: request framing, reply parsing and
/// the mapping of its score onto the YSC 0–100 scale.
///
/// ```
/// C: CHECK SPAMC/1.5\r\n Content-length: N\r\n \r\n <message>
/// S: SPAMD/1.1 0 EX_OK\r\n Spam: True ; 1000.0 / 5.0\r\n \r\n
/// ```
public enum SpamdProtocol {
    public struct Result: Equatable, Sendable {
        public var score: Double
        public var threshold: Double

        public init(score: Double, threshold: Double) {
            self.score = score
            self.threshold = threshold
        }
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case malformed(String)
        case refused(String)

        public var description: String {
            switch self {
            case .malformed(let text): return "malformed spamd reply: \(text)"
            case .refused(let text): return "spamd refused: \(text)"
            }
        }
    }

    public static func check(_ message: ByteBuffer) -> [ByteBuffer] {
        [ByteBuffer(string: "CHECK SPAMC/1.5\r\nContent-length: \(message.readableBytes)\r\n\r\n"), message]
    }

    public static let ping = [ByteBuffer(string: "PING SPAMC/1.5\r\n\r\n")]

    /// Parses `SPAMD/x.y CODE MESSAGE` and the `Spam: BOOL ; SCORE / THRESHOLD` header.
    public static func parse(_ reply: ByteBuffer) throws(Failure) -> Result {
        let text = String(decoding: reply.readableBytesView, as: UTF8.self)
        // Split on Characters that are newlines: in Swift "\r\n" is one Character, not "\n".
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: " ") }
        guard let status = lines.first, status.hasPrefix("SPAMD/") else { throw .malformed(String(text.prefix(80))) }
        let statusFields = status.split(separator: " ", maxSplits: 2)
        guard statusFields.count >= 2, statusFields[1] == "0" else { throw .refused(String(status.prefix(120))) }
        guard let spam = lines.first(where: { $0.lowercased().hasPrefix("spam:") }) else {
            throw .malformed("no Spam header")
        }
        // "Spam: True ; 1000.0 / 5.0"
        let value = spam.dropFirst("spam:".count)
        guard let semicolon = value.firstIndex(of: ";") else { throw .malformed(String(spam.prefix(80))) }
        let numbers = value[value.index(after: semicolon)...].split(separator: "/").map { $0.trimmingCharacters(in: " ") }
        guard numbers.count == 2, let score = Double(numbers[0]), let threshold = Double(numbers[1]),
              score.isFinite, threshold.isFinite else { throw .malformed(String(spam.prefix(80))) }
        return Result(score: score, threshold: threshold)
    }

    /// The YSC score of a SpamAssassin result (docs/ysc-protocol.md, "Score mapping"):
    /// a message exactly at spamd's own threshold maps to `thresholdLevel` (70, the spam line
    /// of the appliance's default spam level 3), so "spam for SpamAssassin" is "spam for the
    /// appliance" by default. Below it the scale is linear from 0; above it, twice the
    /// threshold reaches 100. Negative scores (ham) are 0; a non-positive threshold counts as 5.
    public static let thresholdLevel = 70.0

    public static func yscScore(score: Double, threshold: Double) -> Int {
        let required = threshold > 0 ? threshold : 5.0
        guard score > 0 else { return 0 }
        let mapped: Double
        if score <= required {
            mapped = score / required * thresholdLevel
        } else {
            mapped = thresholdLevel + (score - required) / required * (100 - thresholdLevel)
        }
        // Rounded down: a score just under the threshold must stay under the spam line.
        return Int(min(100, max(0, mapped)).rounded(.down))
    }
}
