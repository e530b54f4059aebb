/// Decodes a raw RFC 5322 message into a MIME tree (RFC 2045/2046): multiparts split at their
/// boundaries, `message/rfc822` parts opened, base64 and quoted-printable removed.
///
/// Pure and total: every input gives a tree. Broken MIME is handled leniently (each leniency
/// recorded as a `MIMEDefect`), and the work is bounded by `MIMELimits`.
public struct MIMEDecoder {
    private var entityCount = 0
    private var decodedBytes = 0
    private let decodedBytesBudget: Int

    /// Decodes `message`.
    public static func decode(_ message: [UInt8]) -> MIMEEntity {
        var decoder = MIMEDecoder(inputSize: message.count)
        return decoder.entity(skippingMboxSeparator(message[...]), depth: 0)
    }

    private init(inputSize: Int) {
        decodedBytesBudget = inputSize * MIMELimits.decodedBytesFactor + MIMELimits.decodedBytesSlack
    }

    /// Leniency for messages saved from an mbox file: a first line `From sender date` is the
    /// mbox separator, not part of the message.
    static func skippingMboxSeparator(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard bytes.starts(with: Array("From ".utf8)) else { return bytes }
        guard let lineEnd = bytes.firstIndex(of: 0x0A) else { return bytes }
        return bytes[(lineEnd + 1)...]
    }

    /// `defaultType` is what an entity without `Content-Type` is: `text/plain`, except inside
    /// `multipart/digest` where it is `message/rfc822` (RFC 2046 §5.1.5).
    private mutating func entity(_ bytes: ArraySlice<UInt8>, depth: Int, defaultType: String = "text/plain") -> MIMEEntity {
        entityCount += 1
        var defects: [MIMEDefect] = []
        var (headerBytes, bodyBytes) = Self.splitHeaderAndBody(bytes, defects: &defects)
        var headers = Self.parseHeaders(headerBytes, defects: &defects)
        if let recovered = Self.recoverSplitHeader(headers: headers, body: bodyBytes) {
            headers += recovered.headers
            bodyBytes = recovered.body
            defects.append(.headerBlockSplitByEmptyLine)
        }
        let contentType = MIMEContentType(parsing: headers.last(where: { $0.name.lowercased() == "content-type" })?.value ?? defaultType)
        let encoding = (headers.last(where: { $0.name.lowercased() == "content-transfer-encoding" })?.value ?? "7bit")
            .trimmingWhitespace().lowercased()
        var result = MIMEEntity(contentType: contentType.mediaType, transferEncoding: encoding, headers: headers, defects: defects)

        let canDescend = depth < MIMELimits.maxDepth && entityCount < MIMELimits.maxEntities
        if contentType.isMultipart {
            guard let boundary = contentType.parameters["boundary"], !boundary.isEmpty,
                  boundary.utf8.count <= MIMELimits.maxBoundaryLength else {
                result.defects.append(.missingBoundaryParameter)
                result.body = decodeBody(bodyBytes, encoding: encoding, defects: &result.defects)
                return result
            }
            guard canDescend else {
                result.defects.append(depth >= MIMELimits.maxDepth ? .depthLimitReached : .entityLimitReached)
                result.body = decodeBody(bodyBytes, encoding: "7bit", defects: &result.defects)
                return result
            }
            let (parts, closed) = Self.splitMultipart(bodyBytes, boundary: Array(boundary.utf8))
            if !closed { result.defects.append(.missingCloseDelimiter) }
            if parts.isEmpty {
                // No delimiter at all: keep the body as a leaf so its bytes are still searched.
                result.defects.append(.noPartsFound)
                result.body = decodeBody(bodyBytes, encoding: "7bit", defects: &result.defects)
                return result
            }
            for part in parts {
                guard entityCount < MIMELimits.maxEntities else {
                    result.defects.append(.entityLimitReached)
                    break
                }
                let childDefault = contentType.mediaType == "multipart/digest" ? "message/rfc822" : "text/plain"
                result.children.append(entity(part, depth: depth + 1, defaultType: childDefault))
            }
            return result
        }
        let content = decodeBody(bodyBytes, encoding: encoding, defects: &result.defects)
        if contentType.isEncapsulatedMessage && !content.isEmpty {
            guard canDescend else {
                result.defects.append(depth >= MIMELimits.maxDepth ? .depthLimitReached : .entityLimitReached)
                result.body = content
                return result
            }
            result.children = [entity(content[...], depth: depth + 1)]
            return result
        }
        result.body = content
        return result
    }

    /// Removes the transfer encoding, charging the result to the decoded-bytes budget. Unknown
    /// encodings (RFC 2045 §6.4: "treated as application/octet-stream") are kept as they are.
    private mutating func decodeBody(_ bytes: ArraySlice<UInt8>, encoding: String, defects: inout [MIMEDefect]) -> [UInt8] {
        guard decodedBytes + bytes.count <= decodedBytesBudget else {
            defects.append(.decodedSizeLimitReached)
            return []
        }
        let decoded: [UInt8]
        switch encoding {
        case "base64":
            let result = Base64Decoder.decode(bytes)
            if !result.clean { defects.append(.invalidBase64) }
            decoded = result.bytes
        case "quoted-printable":
            let result = QuotedPrintableDecoder.decode(Array(bytes))
            if !result.clean { defects.append(.invalidQuotedPrintable) }
            decoded = result.bytes
        default:
            decoded = Array(bytes)
        }
        decodedBytes += decoded.count
        return decoded
    }

    // MARK: framing

    /// Leniency for a header block cut in two by a stray empty line (seen in the wild:
    /// `Subject: …`, empty line, `Content-Type: multipart/mixed …`, empty line, parts). When the
    /// first block has no MIME fields and the body starts with a block of well-formed fields that
    /// includes `Content-Type`, that block is taken as the rest of the header.
    static func recoverSplitHeader(headers: [MIMEHeaderField], body: ArraySlice<UInt8>) -> (headers: [MIMEHeaderField], body: ArraySlice<UInt8>)? {
        guard !headers.contains(where: { $0.name.lowercased() == "content-type" }) else { return nil }
        let blockEnd = min(body.endIndex, body.startIndex + MIMELimits.maxRecoveredHeaderBytes)
        var lineStart = body.startIndex
        while lineStart < blockEnd {
            let lineEnd = body[lineStart..<blockEnd].firstIndex(of: 0x0A) ?? blockEnd
            let line = body[lineStart..<lineEnd]
            if line.isEmpty || line.elementsEqual([0x0D]) {
                guard lineStart > body.startIndex else { return nil }
                var ignored: [MIMEDefect] = []
                let fields = parseHeaders(body[body.startIndex..<lineStart], defects: &ignored)
                guard fields.contains(where: { $0.name.lowercased() == "content-type" }) else { return nil }
                return (fields, body[min(lineEnd + 1, body.endIndex)...])
            }
            let continuation = line.first == 0x20 || line.first == 0x09
            guard continuation ? lineStart > body.startIndex : looksLikeHeaderField(line) else { return nil }
            lineStart = lineEnd + 1
        }
        return nil
    }

    /// Splits at the first empty line (CRLF CRLF, or leniently LF LF). A message without one
    /// is all header when its first line looks like a field, else all body.
    static func splitHeaderAndBody(_ bytes: ArraySlice<UInt8>, defects: inout [MIMEDefect]) -> (ArraySlice<UInt8>, ArraySlice<UInt8>) {
        var lineStart = bytes.startIndex
        while lineStart < bytes.endIndex {
            if lineStart - bytes.startIndex > MIMELimits.maxHeaderBytes {
                defects.append(.headerBlockTooLarge)
                return (bytes[bytes.startIndex..<lineStart], bytes[lineStart...])
            }
            let lineEnd = bytes[lineStart...].firstIndex(of: 0x0A) ?? bytes.endIndex
            let content = bytes[lineStart..<lineEnd]
            if content.isEmpty || (content.count == 1 && content.first == 0x0D) {
                return (bytes[bytes.startIndex..<lineStart], bytes[min(lineEnd + 1, bytes.endIndex)...])
            }
            // A body line before any separator: a part without headers (RFC 2046 §5.1.1 allows
            // "no header fields", usually written as a leading empty line; be lenient without it).
            if lineStart == bytes.startIndex && !looksLikeHeaderField(content) {
                defects.append(.noHeaderBodySeparator)
                return (bytes[bytes.startIndex..<bytes.startIndex], bytes)
            }
            lineStart = lineEnd == bytes.endIndex ? lineEnd : lineEnd + 1
        }
        defects.append(.noHeaderBodySeparator)
        return (bytes, bytes[bytes.endIndex...])
    }

    private static func looksLikeHeaderField(_ line: ArraySlice<UInt8>) -> Bool {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else { return false }
        // RFC 5322 §2.2 field name: printable US-ASCII except ':'.
        return line[line.startIndex..<colon].allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    /// Unfolds (RFC 5322 §2.2.3) and splits `name: value` fields; lines without a colon are
    /// skipped (leniency) rather than failing the message.
    static func parseHeaders(_ bytes: ArraySlice<UInt8>, defects: inout [MIMEDefect]) -> [MIMEHeaderField] {
        var fields: [MIMEHeaderField] = []
        var current: [UInt8] = []
        func finish() {
            defer { current.removeAll(keepingCapacity: true) }
            guard let colon = current.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return }
            let name = String(decoding: current[..<colon], as: UTF8.self).trimmingWhitespace()
            let value = String(decoding: current[(colon + 1)...], as: UTF8.self).trimmingWhitespace()
            guard !name.isEmpty else { return }
            fields.append(MIMEHeaderField(name: name, value: value))
        }
        var lineStart = bytes.startIndex
        while lineStart < bytes.endIndex {
            let lineEnd = bytes[lineStart...].firstIndex(of: 0x0A) ?? bytes.endIndex
            var line = bytes[lineStart..<lineEnd]
            if line.last == 0x0D { line = line.dropLast() }
            if let first = line.first, first == 0x20 || first == 0x09, !current.isEmpty {
                current.append(0x20)
                current.append(contentsOf: line.drop(while: { $0 == 0x20 || $0 == 0x09 }))
            } else {
                finish()
                current.append(contentsOf: line)
            }
            lineStart = lineEnd == bytes.endIndex ? lineEnd : lineEnd + 1
        }
        finish()
        return fields
    }

    /// Splits a multipart body at lines `--boundary` (RFC 2046 §5.1.1). The line break before
    /// a delimiter belongs to it; preamble and epilogue are dropped; transport padding after
    /// the boundary is allowed. A missing close delimiter ends the last part at the end of the
    /// body (leniency). Returns the parts and whether the close delimiter was seen.
    static func splitMultipart(_ body: ArraySlice<UInt8>, boundary: [UInt8]) -> (parts: [ArraySlice<UInt8>], closed: Bool) {
        let dashBoundary = [UInt8(ascii: "-"), UInt8(ascii: "-")] + boundary
        var parts: [ArraySlice<UInt8>] = []
        var partStart: Int? = nil
        var lineStart = body.startIndex
        while lineStart < body.endIndex {
            let lineEnd = body[lineStart...].firstIndex(of: 0x0A) ?? body.endIndex
            let line = body[lineStart..<lineEnd]
            if let kind = delimiterKind(line, dashBoundary: dashBoundary) {
                if let start = partStart {
                    parts.append(body[start..<trimmingPrecedingLineBreak(lineStart, from: start, in: body)])
                }
                if kind == .close { return (parts, true) }
                partStart = lineEnd == body.endIndex ? lineEnd : lineEnd + 1
            }
            lineStart = lineEnd == body.endIndex ? lineEnd : lineEnd + 1
        }
        if let start = partStart { parts.append(body[start..<body.endIndex]) }
        return (parts, false)
    }

    private enum DelimiterKind { case open, close }

    private static func delimiterKind(_ line: ArraySlice<UInt8>, dashBoundary: [UInt8]) -> DelimiterKind? {
        guard line.count >= dashBoundary.count, line.prefix(dashBoundary.count).elementsEqual(dashBoundary) else { return nil }
        var rest = line.dropFirst(dashBoundary.count)
        var kind = DelimiterKind.open
        if rest.starts(with: [UInt8(ascii: "-"), UInt8(ascii: "-")]) {
            kind = .close
            rest = rest.dropFirst(2)
        }
        // Only transport padding may follow; otherwise this is a longer boundary of a nested part.
        guard rest.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else { return nil }
        return kind
    }

    private static func trimmingPrecedingLineBreak(_ index: Int, from start: Int, in body: ArraySlice<UInt8>) -> Int {
        var end = index
        if end > start, body[end - 1] == 0x0A { end -= 1 }
        if end > start, body[end - 1] == 0x0D { end -= 1 }
        return end
    }
}
