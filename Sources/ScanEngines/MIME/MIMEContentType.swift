/// A parsed `Content-Type` value (RFC 2045 §5.1): `type/subtype; name=value; name="quoted"`.
/// Lenient: missing subtype, stray semicolons, unterminated quotes and odd spacing are accepted.
public struct MIMEContentType: Sendable, Equatable {
    /// `type/subtype` lower-cased; a type without a subtype (RFC violation seen in the wild)
    /// keeps just the type.
    public var mediaType: String
    /// Parameter names lower-cased; values with quotes and backslash escapes removed.
    public var parameters: [String: String]

    public init(mediaType: String, parameters: [String: String] = [:]) {
        self.mediaType = mediaType
        self.parameters = parameters
    }

    public init(parsing value: String) {
        var parameters: [String: String] = [:]
        let scalars = Array(value.unicodeScalars)
        var index = 0
        // The media type runs to the first ';' (or the end).
        var type = ""
        while index < scalars.count, scalars[index] != ";" {
            type.unicodeScalars.append(scalars[index])
            index += 1
        }
        // Then `;name=value` pairs; a quoted value may hold ';'.
        while index < scalars.count {
            index += 1  // skip ';'
            var name = ""
            while index < scalars.count, scalars[index] != "=", scalars[index] != ";" {
                name.unicodeScalars.append(scalars[index])
                index += 1
            }
            guard index < scalars.count, scalars[index] == "=" else { continue }
            index += 1
            while index < scalars.count, scalars[index] == " " || scalars[index] == "\t" { index += 1 }
            var parameterValue = ""
            if index < scalars.count, scalars[index] == "\"" {
                index += 1
                while index < scalars.count, scalars[index] != "\"" {
                    if scalars[index] == "\\", index + 1 < scalars.count { index += 1 }
                    parameterValue.unicodeScalars.append(scalars[index])
                    index += 1
                }
                // Skip the closing quote and anything up to the next ';' (leniency).
                while index < scalars.count, scalars[index] != ";" { index += 1 }
            } else {
                while index < scalars.count, scalars[index] != ";" {
                    parameterValue.unicodeScalars.append(scalars[index])
                    index += 1
                }
                parameterValue = parameterValue.trimmingWhitespace()
            }
            let key = name.trimmingWhitespace().lowercased()
            if !key.isEmpty, parameters[key] == nil { parameters[key] = parameterValue }
        }
        let trimmed = type.trimmingWhitespace().lowercased().filter { !$0.isWhitespace }
        self.mediaType = trimmed.isEmpty ? "text/plain" : trimmed
        self.parameters = parameters
    }

    public var isMultipart: Bool { mediaType.hasPrefix("multipart/") || mediaType == "multipart" }
    /// `message/rfc822` and its RFC 6532 sibling `message/global` carry a whole message.
    public var isEncapsulatedMessage: Bool { mediaType == "message/rfc822" || mediaType == "message/global" }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first == " " || first == "\t" || first == "\r" || first == "\n" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" || last == "\r" || last == "\n" { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
