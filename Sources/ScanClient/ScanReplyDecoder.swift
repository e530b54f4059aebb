import Foundation
import NIOCore

/// Decodes the service's JSON replies. The service is a peer: anything it sends either decodes
/// into a value in range or is reported as a bad reply, never a crash.
///
/// ```
/// S: 200 {"spam_score": 100, "viruses": [], "engines": ["builtin"], "elapsed_ms": 3}
/// S: 413 {"error": "message too large"}
/// ```
enum ScanReplyDecoder {
    static func verdict(from body: ByteBuffer) -> ScanVerdict? {
        guard let reply = try? JSONDecoder().decode(VerdictBody.self, from: Data(body.readableBytesView)),
              reply.spamScore.isFinite, (0...100).contains(reply.spamScore),
              (reply.elapsedMilliseconds ?? 0) >= 0
        else { return nil }
        return ScanVerdict(
            spamScore: Int(reply.spamScore.rounded()),
            viruses: (reply.viruses ?? []).map(\.name),
            engines: (reply.engines ?? []).map(\.name),
            elapsedMilliseconds: Int(min(reply.elapsedMilliseconds ?? 0, Double(Int32.max))))
    }

    /// The `error` text of a 4xx/5xx reply, or a short excerpt of whatever came instead.
    static func errorText(from body: ByteBuffer) -> String {
        if let reply = try? JSONDecoder().decode(ErrorBody.self, from: Data(body.readableBytesView)) {
            return reply.error
        }
        return String(decoding: body.readableBytesView.prefix(120), as: UTF8.self)
    }

    private struct VerdictBody: Decodable {
        var spamScore: Double
        var viruses: [NamedEntry]?
        var engines: [NamedEntry]?
        var elapsedMilliseconds: Double?

        enum CodingKeys: String, CodingKey {
            case spamScore = "spam_score", viruses, engines, elapsedMilliseconds = "elapsed_ms"
        }
    }

    private struct ErrorBody: Decodable {
        var error: String
    }

    /// A list entry given either as a bare string or as an object with a `name`
    /// (lenient: both shapes are plausible for a list of engines or viruses).
    private struct NamedEntry: Decodable {
        var name: String

        init(from decoder: Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                name = text
            } else {
                name = try decoder.container(keyedBy: Key.self).decode(String.self, forKey: .name)
            }
        }

        enum Key: String, CodingKey { case name }
    }
}
