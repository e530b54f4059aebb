/// RFC 2047 encoded words: `=?charset?encoding?encoded-text?=`.
///
/// Decoding is used to compare a subject with a prefix and to show header values in the transfer
/// notification; the header bytes themselves are never re-encoded. Charsets decoded fully:
/// US-ASCII, UTF-8, ISO-8859-1, UTF-16 (BE/LE). Every other charset is decoded only where its
/// bytes are ASCII (true of ISO-2022-JP outside its escape sequences, and of the ASCII range of
/// ISO-8859-x, Shift_JIS lead bytes, GB2312, EUC-*); the rest becomes U+FFFD and the result is
/// marked incomplete.
public struct EncodedWord: Sendable, Hashable {
    public enum Encoding: Sendable, Hashable { case base64, quotedPrintable }

    /// Lower-cased charset name, RFC 2231 §5 language suffix (`*sl`) removed.
    public var charset: String
    public var encoding: Encoding
    public var encodedText: [UInt8]

    /// Parses one encoded word exactly filling `bytes` (RFC 2047 §2), nil otherwise.
    public init?<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let token = Array(bytes)
        guard token.count >= 8, token.count <= HeaderLimits.maximumDecodedValueOctets,
              token[0] == 0x3D, token[1] == 0x3F,
              token[token.count - 2] == 0x3F, token[token.count - 1] == 0x3D else { return nil }
        let inner = token[2..<(token.count - 2)]
        let parts = inner.split(separator: 0x3F, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[1].count == 1 else { return nil }
        // RFC 2047 §2: no white space or "?" inside charset and encoded text.
        guard !parts[0].contains(where: { $0 <= 0x20 || $0 >= 0x7F }),
              !parts[2].contains(where: { $0 <= 0x20 || $0 >= 0x7F || $0 == 0x3F }) else { return nil }
        var charset = String(decoding: parts[0].map(asciiLowercased), as: UTF8.self)
        if let star = charset.firstIndex(of: "*") { charset = String(charset[..<star]) }
        switch asciiLowercased(parts[1].first!) {
        case UInt8(ascii: "b"): encoding = .base64
        case UInt8(ascii: "q"): encoding = .quotedPrintable
        default: return nil
        }
        self.charset = charset
        self.encodedText = Array(parts[2])
    }

    /// The octets the encoded text stands for. Leniency: bad base64 padding and stray
    /// characters are skipped rather than failing the word.
    public var octets: [UInt8] {
        switch encoding {
        case .base64: return Base64.decodeLeniently(encodedText)
        case .quotedPrintable:
            // RFC 2047 §4.2: "_" is a space, "=XX" a hex octet.
            var out: [UInt8] = []
            var index = 0
            while index < encodedText.count {
                let byte = encodedText[index]
                if byte == 0x5F {
                    out.append(0x20)
                } else if byte == 0x3D, index + 2 < encodedText.count,
                          let high = hexValue(encodedText[index + 1]), let low = hexValue(encodedText[index + 2]) {
                    out.append(high << 4 | low)
                    index += 2
                } else {
                    out.append(byte)
                }
                index += 1
            }
            return out
        }
    }

    /// The word's text, and whether every character could be decoded.
    public var decoded: (text: String, isComplete: Bool) {
        CharsetDecoder.decode(octets, charset: charset)
    }
}

func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case 0x30...0x39: return byte - 0x30
    case 0x41...0x46: return byte - 0x41 + 10
    case 0x61...0x66: return byte - 0x61 + 10
    default: return nil
    }
}

/// Decoding of unstructured header text (RFC 2047 §6.2).
public enum UnstructuredText {
    /// Decodes an unfolded header value: encoded words are decoded, white space between two
    /// adjacent encoded words is dropped (RFC 2047 §6.2), all other text is kept. Raw 8-bit
    /// bytes are read as UTF-8 (RFC 6532); invalid sequences become U+FFFD and make the result
    /// incomplete.
    public static func decode(_ value: [UInt8]) -> (text: String, isComplete: Bool) {
        var text = ""
        var complete = true
        var pendingWhitespace: [UInt8] = []
        var previousWasEncoded = false
        var index = 0
        while index < value.count {
            if isWSP(value[index]) {
                pendingWhitespace.append(value[index])
                index += 1
                continue
            }
            var end = index
            while end < value.count && !isWSP(value[end]) { end += 1 }
            let token = value[index..<end]
            if let words = encodedWords(in: token) {
                if !previousWasEncoded { text += String(decoding: pendingWhitespace, as: UTF8.self) }
                for word in words {
                    let (part, ok) = word.decoded
                    text += part
                    complete = complete && ok
                }
                previousWasEncoded = true
            } else {
                text += String(decoding: pendingWhitespace, as: UTF8.self)
                let (part, ok) = CharsetDecoder.decode(Array(token), charset: "utf-8")
                text += part
                complete = complete && ok
                previousWasEncoded = false
            }
            pendingWhitespace = []
            index = end
        }
        text += String(decoding: pendingWhitespace, as: UTF8.self)
        return (text, complete)
    }

    /// A token made only of encoded words. Leniency: words written back to back without the
    /// white space RFC 2047 §5 asks for (`=?a?B?x?==?a?B?y?=`) are accepted.
    static func encodedWords(in token: ArraySlice<UInt8>) -> [EncodedWord]? {
        var words: [EncodedWord] = []
        var start = token.startIndex
        while start < token.endIndex {
            guard token.endIndex - start >= 8, token[start] == 0x3D, token[start + 1] == 0x3F else { return nil }
            // charset "?" encoding "?" text "?=": the end is the "?=" after the third "?".
            var questionMarks = 0
            var index = start + 2
            var wordEnd: Int?
            while index < token.endIndex {
                if token[index] == 0x3F {
                    questionMarks += 1
                    if questionMarks == 3 {
                        if index + 1 < token.endIndex, token[index + 1] == 0x3D { wordEnd = index + 2 }
                        break
                    }
                }
                index += 1
            }
            guard let end = wordEnd, let word = EncodedWord(token[start..<end]) else { return nil }
            words.append(word)
            start = end
        }
        return words.isEmpty ? nil : words
    }
}

/// Turns charset octets into text, as far as this module knows the charset.
enum CharsetDecoder {
    static func decode(_ octets: [UInt8], charset: String) -> (text: String, isComplete: Bool) {
        switch charset {
        case "utf-8", "utf8":
            let text = String(decoding: octets, as: UTF8.self)
            return (text, String(validating: octets, as: UTF8.self) != nil)
        case "us-ascii", "ascii", "iso-8859-1", "latin1", "iso_8859-1", "l1":
            // ISO-8859-1 octets are the first 256 Unicode code points.
            return (String(String.UnicodeScalarView(octets.map { Unicode.Scalar($0) })), true)
        case "utf-16", "utf-16be", "utf-16le":
            return decodeUTF16(octets, charset: charset)
        case "iso-2022-jp":
            return decodeISO2022JP(octets)
        default:
            return asciiOnly(octets)
        }
    }

    static func asciiOnly(_ octets: [UInt8]) -> (text: String, isComplete: Bool) {
        var scalars = String.UnicodeScalarView()
        var complete = true
        for byte in octets {
            if byte < 0x80 {
                scalars.append(Unicode.Scalar(byte))
            } else {
                scalars.append("\u{FFFD}")
                complete = false
            }
        }
        return (String(scalars), complete)
    }

    /// RFC 1468: ASCII (and JIS-Roman) between `ESC ( B` / `ESC ( J`, two-byte JIS X 0208
    /// between `ESC $ B` / `ESC $ @`. Without the JIS tables, each two-byte character becomes
    /// U+FFFD; enough to see an ASCII prefix and to count characters.
    static func decodeISO2022JP(_ octets: [UInt8]) -> (text: String, isComplete: Bool) {
        var scalars = String.UnicodeScalarView()
        var twoByte = false
        var complete = true
        var index = 0
        while index < octets.count {
            let byte = octets[index]
            if byte == 0x1B, index + 2 < octets.count {
                let (first, second) = (octets[index + 1], octets[index + 2])
                if first == 0x24 && (second == 0x42 || second == 0x40) { twoByte = true; index += 3; continue }
                if first == 0x28 && (second == 0x42 || second == 0x4A) { twoByte = false; index += 3; continue }
            }
            if twoByte {
                scalars.append("\u{FFFD}")
                complete = false
                index += 2
                continue
            }
            if byte < 0x80 { scalars.append(Unicode.Scalar(byte)) } else { scalars.append("\u{FFFD}"); complete = false }
            index += 1
        }
        return (String(scalars), complete)
    }

    /// RFC 2781 §4.3: without a byte order mark, UTF-16 is big-endian. Leniency: an unmarked
    /// text whose first unit looks little-endian ASCII (`xx 00`) is read as little-endian.
    static func decodeUTF16(_ octets: [UInt8], charset: String) -> (text: String, isComplete: Bool) {
        var bytes = octets[...]
        var littleEndian = charset == "utf-16le"
        if charset == "utf-16", bytes.count >= 2 {
            if bytes.starts(with: [0xFF, 0xFE]) { littleEndian = true; bytes = bytes.dropFirst(2) }
            else if bytes.starts(with: [0xFE, 0xFF]) { bytes = bytes.dropFirst(2) }
            else if bytes[bytes.startIndex] != 0 && bytes[bytes.startIndex + 1] == 0 { littleEndian = true }
        }
        var units: [UInt16] = []
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            let (a, b) = (UInt16(bytes[index]), UInt16(bytes[index + 1]))
            units.append(littleEndian ? b << 8 | a : a << 8 | b)
            index += 2
        }
        let text = String(decoding: units, as: UTF16.self)
        let valid = bytes.count % 2 == 0 && !text.unicodeScalars.contains("\u{FFFD}")
        return (text, valid)
    }
}

/// RFC 4648 base64, as RFC 2047 §4.1 uses it.
enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            let b0 = chunk[chunk.startIndex]
            let b1 = chunk.count > 1 ? chunk[chunk.startIndex + 1] : 0
            let b2 = chunk.count > 2 ? chunk[chunk.startIndex + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(chunk.count > 1 ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : 0x3D)
            out.append(chunk.count > 2 ? alphabet[Int(b2 & 0x3F)] : 0x3D)
            index += 3
        }
        return out
    }

    /// Decodes what it can: characters outside the alphabet (and padding) are skipped, a
    /// trailing partial group yields its whole octets.
    static func decodeLeniently(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in text {
            let value: UInt8
            switch byte {
            case 0x41...0x5A: value = byte - 0x41
            case 0x61...0x7A: value = byte - 0x61 + 26
            case 0x30...0x39: value = byte - 0x30 + 52
            case 0x2B: value = 62
            case 0x2F: value = 63
            default: continue
            }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((accumulator >> UInt32(bits)) & 0xFF))
            }
        }
        return out
    }
}

/// Writing encoded words (RFC 2047 §4.1, §5).
enum EncodedWordWriter {
    /// `text` as UTF-8 "B" encoded words, each at most 75 characters (RFC 2047 §2), never
    /// splitting a character between two words (RFC 2047 §5 (3)).
    static func utf8Words(_ text: String) -> [String] {
        let overhead = "=?UTF-8?B??=".utf8.count
        // 4 base64 characters per 3 octets.
        let maximumOctets = (HeaderLimits.maximumEncodedWordLength - overhead) / 4 * 3
        var words: [String] = []
        var chunk: [UInt8] = []
        func flush() {
            guard !chunk.isEmpty else { return }
            words.append("=?UTF-8?B?" + String(decoding: Base64.encode(chunk), as: UTF8.self) + "?=")
            chunk = []
        }
        for scalar in text.unicodeScalars {
            let encoded = Array(String(scalar).utf8)
            if chunk.count + encoded.count > maximumOctets { flush() }
            chunk += encoded
        }
        flush()
        return words
    }
}
