import Foundation

/// Encoding and strict decoding of YSC bodies. Decoding checks the HTTP status, the size, the
/// JSON shape and every documented range, so callers get either a well-formed value or a
/// `YSCDecodingError` they can count and report (docs/product.md §7 `show status ysc`: "read errors").
public enum YSCCoding {
    /// Canonical JSON (sorted keys, so replies and golden files are stable).
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding our own plain value types cannot fail; an empty object is the safe fallback.
        return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }

    // MARK: replies (used by the client)

    /// Decodes the reply to `POST /v1/scan`. Only `200` carries a verdict; any other status
    /// becomes `.serviceError` with the reply's `error` text when it had one.
    public static func decodeScanReply<Bytes: Collection<UInt8>>(status: Int, body: Bytes) throws(YSCDecodingError) -> ScanReply {
        guard status == 200 else { throw serviceError(status: status, body: body) }
        let reply = try decode(ScanReply.self, from: body)
        try check(reply)
        return reply
    }

    /// Decodes the reply to `GET /v1/health` (`200` only).
    public static func decodeHealthReply<Bytes: Collection<UInt8>>(status: Int, body: Bytes) throws(YSCDecodingError) -> HealthReply {
        guard status == 200 else { throw serviceError(status: status, body: body) }
        let reply = try decode(HealthReply.self, from: body)
        guard reply.engines.count <= ScanProtocolLimits.maxEngines else {
            throw .outOfRange(field: "engines", value: "\(reply.engines.count) entries")
        }
        for engine in reply.engines { try checkName(engine.name, field: "engines.name") }
        return reply
    }

    /// Decodes the reply to `POST /v1/license/activate`. `200` carries `active`, `expired` or
    /// `inactive`; `404` carries `unknown`. Both are answers, not failures; anything else is.
    public static func decodeLicenseReply<Bytes: Collection<UInt8>>(status: Int, body: Bytes) throws(YSCDecodingError) -> LicenseActivationReply {
        guard status == 200 || status == 404 else { throw serviceError(status: status, body: body) }
        let reply = try decode(LicenseActivationReply.self, from: body)
        try checkName(reply.product, field: "product")
        switch (status, reply.state) {
        case (404, .unknown), (200, .active), (200, .expired), (200, .inactive):
            break
        default:
            throw .outOfRange(field: "state", value: "\(reply.state.rawValue) with status \(status)")
        }
        switch reply.state {
        case .active, .expired:
            guard let expires = reply.expires else { throw .missingField("expires") }
            guard LicenseDate(expires) != nil else { throw .outOfRange(field: "expires", value: String(expires.prefix(32))) }
        case .inactive, .unknown:
            if let expires = reply.expires, LicenseDate(expires) == nil {
                throw .outOfRange(field: "expires", value: String(expires.prefix(32)))
            }
        }
        return reply
    }

    // MARK: requests (used by the service)

    /// Decodes a licence activation request; both fields must be non-empty and bounded.
    public static func decodeLicenseRequest<Bytes: Collection<UInt8>>(body: Bytes) throws(YSCDecodingError) -> LicenseActivationRequest {
        let request = try decode(LicenseActivationRequest.self, from: body)
        try checkName(request.serial, field: "serial")
        try checkName(request.product, field: "product")
        return request
    }

    // MARK: helpers

    /// JSON → value, mapping Foundation's errors onto ours (no `DecodingError` escapes).
    public static func decode<T: Decodable, Bytes: Collection<UInt8>>(_ type: T.Type, from body: Bytes) throws(YSCDecodingError) -> T {
        guard body.count <= ScanProtocolLimits.maxReplyBytes else { throw .tooLarge(bytes: body.count) }
        // Only an object is a YSC body: this also refuses a bare `null`, number or string early.
        guard body.first(where: { !isJSONWhitespace($0) }) == UInt8(ascii: "{") else { throw .notJSON }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch let error as DecodingError {
            throw map(error)
        } catch {
            throw .notJSON
        }
    }

    private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func map(_ error: DecodingError) -> YSCDecodingError {
        func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            let keys = (codingPath + (last.map { [$0] } ?? [])).filter { $0.intValue == nil }
            return keys.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .missingField(path(context.codingPath, key))
        case .valueNotFound(_, let context):
            return .missingField(path(context.codingPath))
        case .typeMismatch(_, let context):
            return .wrongType(field: path(context.codingPath))
        case .dataCorrupted(let context):
            // An unknown enum raw value lands here with a path; broken JSON syntax without one.
            return context.codingPath.isEmpty ? .notJSON : .outOfRange(field: path(context.codingPath), value: "not an allowed value")
        @unknown default:
            return .notJSON
        }
    }

    private static func serviceError<Bytes: Collection<UInt8>>(status: Int, body: Bytes) -> YSCDecodingError {
        let message = (try? decode(ErrorReply.self, from: body))?.error
        return .serviceError(status: status, message: message.map { String($0.prefix(ScanProtocolLimits.maxNameLength)) })
    }

    private static func check(_ reply: ScanReply) throws(YSCDecodingError) {
        guard ScanProtocolLimits.spamScoreRange.contains(reply.spamScore) else {
            throw .outOfRange(field: "spam_score", value: String(reply.spamScore))
        }
        guard (0...ScanProtocolLimits.maxElapsedMilliseconds).contains(reply.elapsedMilliseconds) else {
            throw .outOfRange(field: "elapsed_ms", value: String(reply.elapsedMilliseconds))
        }
        guard reply.viruses.count <= ScanProtocolLimits.maxVirusNames else {
            throw .outOfRange(field: "viruses", value: "\(reply.viruses.count) entries")
        }
        guard reply.engines.count <= ScanProtocolLimits.maxEngines, reply.failedEngines.count <= ScanProtocolLimits.maxEngines else {
            throw .outOfRange(field: "engines", value: "\(reply.engines.count) entries")
        }
        for name in reply.viruses { try checkName(name, field: "viruses") }
        for name in reply.engines + reply.failedEngines { try checkName(name, field: "engines") }
    }

    private static func checkName(_ name: String, field: String) throws(YSCDecodingError) {
        guard !name.isEmpty else { throw .outOfRange(field: field, value: "empty") }
        guard name.utf8.count <= ScanProtocolLimits.maxNameLength else {
            throw .outOfRange(field: field, value: "\(name.utf8.count) bytes")
        }
        // Control characters in a name would reach syslog lines and the console table.
        guard !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .outOfRange(field: field, value: "control character")
        }
    }
}
