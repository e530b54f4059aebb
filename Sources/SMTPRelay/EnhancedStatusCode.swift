import NIOCore

/// An enhanced mail system status code, `class.subject.detail` (RFC 3463 §2), as it opens the
/// text of a reply (RFC 2034 §4): `250 2.1.0 Sender ok` → 2.1.0.
public struct EnhancedStatusCode: Equatable, Sendable, CustomStringConvertible {
    /// 2 (success), 4 (persistent transient failure) or 5 (permanent failure).
    public var statusClass: Int
    public var subject: Int
    public var detail: Int

    public init(statusClass: Int, subject: Int, detail: Int) {
        self.statusClass = statusClass
        self.subject = subject
        self.detail = detail
    }

    /// Parses the code at the start of `text`; it must be followed by a space or end the text.
    /// RFC 3463 §2: subject and detail are 1–3 digits without leading zeros beyond "0".
    public init?(parsing text: ByteBuffer) {
        var numbers: [Int] = []
        var current = 0
        var digits = 0
        var end = text.readableBytes
        for (offset, byte) in text.readableBytesView.enumerated() {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits += 1
                guard digits <= 3 else { return nil }
                current = current * 10 + Int(byte - UInt8(ascii: "0"))
            } else if byte == UInt8(ascii: ".") && numbers.count < 2 {
                guard digits > 0 else { return nil }
                numbers.append(current)
                current = 0
                digits = 0
            } else if byte == UInt8(ascii: " ") {
                end = offset
                break
            } else {
                return nil
            }
        }
        guard end > 0, digits > 0, numbers.count == 2 else { return nil }
        numbers.append(current)
        guard [2, 4, 5].contains(numbers[0]), String(numbers[0]).count == 1 else { return nil }
        self.init(statusClass: numbers[0], subject: numbers[1], detail: numbers[2])
    }

    public var description: String { "\(statusClass).\(subject).\(detail)" }
}
