import NIOCore
import Telemetry

/// `mail security smtp from address` / `… to address` (docs/product.md §7).
public enum NotificationAddress: Sendable, Hashable {
    /// A full address.
    case address(String)
    /// A local part; the domain is that of the original's From address.
    case account(String)
    /// From: `mail-security@` the original's From domain. To: the original's From address.
    case auto
}

/// Everything the notification needs besides the original; the date and the Message-ID are
/// given (no clock or randomness in here).
public struct TransferNotificationInput: Sendable {
    public var result: DetectionResult
    public var score: Int?
    public var virusNames: [String]
    public var from: NotificationAddress
    public var to: NotificationAddress
    /// RFC 5322 §3.3 date-time, e.g. `Wed, 25 Nov 2026 22:30:00 +0000`.
    public var date: String
    /// RFC 5322 §3.6.4 msg-id with its angle brackets, e.g. `<20261125223000.1@firewall>`.
    public var messageID: String
    /// The original's SMTP `MAIL FROM` address: used for the domain when the original has no
    /// usable From field.
    public var envelopeSender: String?

    public init(result: DetectionResult, score: Int? = nil, virusNames: [String] = [], from: NotificationAddress = .auto,
                to: NotificationAddress = .auto, date: String, messageID: String, envelopeSender: String? = nil) {
        self.result = result
        self.score = score
        self.virusNames = virusNames
        self.from = from
        self.to = to
        self.date = date
        self.messageID = messageID
        self.envelopeSender = envelopeSender
    }
}

public enum TransferNotificationError: Error, Sendable, Hashable {
    /// A setting needs the original sender's address or domain and there is none.
    case noOriginalSender
}

/// The notification that replaces a detected message under `smtp detect illegal mail transfer`
/// (docs/product.md §5): a multipart/mixed message whose first part says what happened and whose second
/// part is the original, unchanged, as `message/rfc822` (RFC 2046 §5.2.1).
///
/// The original is not copied: the message to send is `head`, then `original`, then `tail`.
public struct TransferNotification: Sendable {
    /// `MAIL FROM` for the relay (the notification's From address).
    public var envelopeFrom: String
    /// `RCPT TO` for the relay (the notification's To address).
    public var envelopeTo: String
    public var boundary: String
    /// Header, first part and the second part's header (CRLF line endings).
    public var head: ByteBuffer
    /// The original message, untouched.
    public var original: ByteBuffer
    /// The closing delimiter.
    public var tail: ByteBuffer

    public var octets: Int { head.readableBytes + original.readableBytes + tail.readableBytes }

    /// The whole message in one buffer (copies; for tests and small messages).
    public func assembled() -> ByteBuffer {
        var out = ByteBufferAllocator().buffer(capacity: octets)
        out.writeImmutableBuffer(head)
        out.writeImmutableBuffer(original)
        out.writeImmutableBuffer(tail)
        return out
    }

    public static let subjectText = "[MAIL SECURITY] Illegal mail detected"

    /// Bound on a value shown in the text part, so its lines stay within RFC 5322 §2.1.1.
    static let maximumDisplayedOctets = 900

    public init(original: ByteBuffer, input: TransferNotificationInput) throws(TransferNotificationError) {
        let block = HeaderBlock(parsing: original)
        let addresses = MessageAddresses(header: block, of: original)
        let sender = addresses.from.first(where: { $0.contains("@") }) ?? input.envelopeSender.flatMap { $0.isEmpty ? nil : $0 }
        // Domain names are case-insensitive (RFC 5321 §2.4): written in lower case.
        let domain = sender.flatMap { address in
            address.lastIndex(of: "@").map { String(address[address.index(after: $0)...]).lowercased() }
        }

        func resolve(_ setting: NotificationAddress, auto: () -> String?) throws(TransferNotificationError) -> String {
            switch setting {
            case .address(let address): return address
            case .account(let account):
                guard let domain, !domain.isEmpty else { throw .noOriginalSender }
                return "\(account)@\(domain)"
            case .auto:
                guard let address = auto() else { throw .noOriginalSender }
                return address
            }
        }
        let fromAddress = try resolve(input.from) { domain.map { "mail-security@\($0)" } }
        let toAddress = try resolve(input.to) { sender }

        // The text part.
        func shown(_ name: String) -> String {
            let fields = block.fields(named: name, in: original)
            guard !fields.isEmpty else { return "(none)" }
            let values = fields.map { field -> String in
                let raw = block.unfoldedValue(of: field, in: original)
                let (decoded, complete) = UnstructuredText.decode(raw)
                // Text we cannot decode fully is shown as it was written.
                let text = complete ? decoded : String(decoding: raw, as: UTF8.self)
                return text.trimmingWhitespace()
            }
            return Self.truncated(values.joined(separator: " / "))
        }
        var text = """
        This message was judged illegal by the mail security function of the firewall and was \
        not delivered to its recipients.
        The original message is attached.

        Result:  \(input.result.keyword)

        """
        if let score = input.score, input.result != .virus { text += "Score:   \(score)\n" }
        if !input.virusNames.isEmpty { text += "Virus:   \(Self.truncated(input.virusNames.joined(separator: ", ")))\n" }
        text += """
        From:    \(shown("From"))
        To:      \(shown("To"))
        Cc:      \(shown("Cc"))
        Subject: \(shown("Subject"))

        """
        let textPart = Array(text.utf8).flatMap { $0 == 0x0A ? [0x0D, 0x0A] : [$0] }

        // RFC 2046 §5.1.1: the boundary must not occur in the encapsulated parts.
        var counter = 0
        var boundary = "=_MailSecurity_Notification_0"
        while original.containsBytes(Array(boundary.utf8)) || textPart.containsBytes(Array(boundary.utf8)) {
            counter += 1
            boundary = "=_MailSecurity_Notification_\(counter)"
        }

        // RFC 2045 §6 / RFC 2046 §5.2.1: message/rfc822 and multipart allow 7bit or 8bit.
        let eightBit = textPart.contains(where: { $0 >= 0x80 }) || original.containsByte(where: { $0 >= 0x80 })
        let transferEncoding = eightBit ? "8bit" : "7bit"

        var head = ByteBufferAllocator().buffer(capacity: 1024 + textPart.count)
        func line(_ text: String) { head.writeString(text); head.writeString("\r\n") }
        line("From: \(fromAddress)")
        line("To: \(toAddress)")
        line("Subject: \(Self.subjectText) (\(input.result.keyword))")
        line("Date: \(input.date)")
        line("Message-ID: \(input.messageID)")
        line("MIME-Version: 1.0")
        // RFC 3834 §5: marks the message as generated by a machine, so nothing auto-replies.
        line("Auto-Submitted: auto-generated")
        line("Content-Type: multipart/mixed; boundary=\"\(boundary)\"")
        line("Content-Transfer-Encoding: \(transferEncoding)")
        line("")
        line("This is a multi-part message in MIME format.")
        line("--\(boundary)")
        line("Content-Type: text/plain; charset=UTF-8")
        line("Content-Transfer-Encoding: \(textPart.contains(where: { $0 >= 0x80 }) ? "8bit" : "7bit")")
        line("")
        head.writeBytes(textPart)
        line("--\(boundary)")
        line("Content-Type: message/rfc822")
        line("Content-Disposition: attachment")
        line("Content-Transfer-Encoding: \(original.containsByte(where: { $0 >= 0x80 }) ? "8bit" : "7bit")")
        line("")

        var tail = ByteBufferAllocator().buffer(capacity: boundary.utf8.count + 8)
        // The CRLF before the delimiter belongs to the delimiter (RFC 2046 §5.1.1), so the
        // original keeps its own last line ending.
        tail.writeString("\r\n--\(boundary)--\r\n")

        self.envelopeFrom = fromAddress
        self.envelopeTo = toAddress
        self.boundary = boundary
        self.head = head
        self.original = original
        self.tail = tail
    }

    static func truncated(_ text: String) -> String {
        guard text.utf8.count > maximumDisplayedOctets else { return text }
        var out = ""
        for character in text {
            if out.utf8.count + character.utf8.count > maximumDisplayedOctets - 3 { break }
            out.append(character)
        }
        return out + "..."
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
              let last = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(scalars[first...last])
    }
}

extension Array where Element == UInt8 {
    func containsBytes(_ needle: [UInt8]) -> Bool {
        withUnsafeBytes { ByteSearch.contains(UnsafeRawBufferPointer($0), needle) }
    }
}

extension ByteBuffer {
    func containsBytes(_ needle: [UInt8]) -> Bool {
        withUnsafeReadableBytes { ByteSearch.contains($0, needle) }
    }

    func containsByte(where predicate: (UInt8) -> Bool) -> Bool {
        withUnsafeReadableBytes { $0.contains(where: predicate) }
    }
}

enum ByteSearch {
    static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty }
        let first = needle[0]
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var matched = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                    matched = false
                    break
                }
                if matched { return true }
            }
            index += 1
        }
        return false
    }
}
