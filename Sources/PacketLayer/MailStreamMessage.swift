import MessageInspection
import NIOCore
import Telemetry

/// One message (or one encrypted session) found in a capture.
public struct ReplayedMessage: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        /// The whole message was seen up to its end of data.
        case complete
        /// The capture or the connection ended, or the server answered, before a valid end of data.
        case incomplete
        /// Bytes of the message were missing from the capture (a hole in the TCP stream).
        case gap
        /// Not a message: the session switched to TLS (STARTTLS/STLS) and was not followed.
        case encrypted
    }

    /// Capture timestamp of the packet that ended the message (or of the TLS go-ahead).
    public var time: CaptureTime
    public var mailProtocol: MailProtocol
    public var client: TCPEndpoint
    public var server: TCPEndpoint
    /// SMTP: the envelope sender (MAIL FROM) when given, else the header From; POP3: header From.
    public var from: [String]
    /// SMTP: the accepted envelope recipients (RCPT TO) when given, else the header To; POP3: header To.
    public var to: [String]
    /// Decoded Subject (RFC 2047), control characters replaced; nil when there is none.
    public var subject: String?
    /// Octets of the message after dot-unstuffing (BDAT: the chunk octets).
    public var size: Int
    public var status: Status
    /// The message's own octets when the analyser was asked to keep them (`ContentRetention`).
    public var content: MessageContent

    public init(time: CaptureTime, mailProtocol: MailProtocol, client: TCPEndpoint, server: TCPEndpoint,
                from: [String], to: [String], subject: String?, size: Int, status: Status,
                content: MessageContent = .notKept) {
        self.time = time
        self.mailProtocol = mailProtocol
        self.client = client
        self.server = server
        self.from = from
        self.to = to
        self.subject = subject
        self.size = size
        self.status = status
        self.content = content
    }
}

/// Named bounds of mail stream analysis.
public enum MailStreamLimits {
    /// Longest command or reply line kept; longer lines are skipped up to their line end.
    public static let maximumLineBytes = 65_536
    /// Client bytes held while waiting for the server's answer to DATA or STARTTLS.
    public static let maximumHeldBytes = 4 << 20
    /// Bytes of each message kept to read its header (the size counts everything).
    public static let maximumHeadBytes = 256 << 10
    /// Commands awaiting a reply.
    public static let maximumPendingCommands = 4096
}

/// Accumulates a message's octets: counts them all, keeps the head for header parsing.
struct MailStreamMessageCapture {
    var head: [UInt8] = []
    var size = 0
    var hadGap = false
    /// The whole content, when it is to be kept (a reference: copies of the capture share it).
    let held: HeldContent?

    init(retention: ContentRetention? = nil) {
        held = retention.map(HeldContent.init(retention:))
    }

    mutating func append(_ bytes: ByteBuffer) {
        size += bytes.readableBytes
        let room = MailStreamLimits.maximumHeadBytes - head.count
        if room > 0 { head += bytes.readableBytesView.prefix(room) }
        held?.append(bytes.readableBytesView)
    }

    mutating func append(_ bytes: ArraySlice<UInt8>) {
        size += bytes.count
        let room = MailStreamLimits.maximumHeadBytes - head.count
        if room > 0 { head += bytes.prefix(room) }
        held?.append(bytes)
    }

    /// The content for the finished message (`.notKept` when none was asked for).
    func takeContent() -> MessageContent {
        held?.take() ?? .notKept
    }

    /// Header fields of interest.
    func headerSummary() -> (from: [String], to: [String], subject: String?) {
        let buffer = ByteBuffer(bytes: head)
        let block = HeaderBlock(parsing: buffer)
        func addresses(_ name: String) -> [String] {
            block.fields(named: name, in: buffer).flatMap { AddressList.addresses(in: block.unfoldedValue(of: $0, in: buffer)) }
        }
        var subject: String?
        if let field = block.fields(named: "Subject", in: buffer).first {
            let value = block.unfoldedValue(of: field, in: buffer)
            subject = MailStreamText.sanitised(UnstructuredText.decode(value).text)
        }
        return (addresses("From"), addresses("To"), subject)
    }
}

enum MailStreamText {
    /// Trims the value, turns tabs into spaces and every other control character into U+FFFD.
    static func sanitised(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09: out.append(" ")
            case 0x00..<0x20, 0x7F..<0xA0: out.append("\u{FFFD}")
            default: out.append(scalar)
            }
        }
        return String(out).trimmingSpaces()
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}

/// A byte queue with a read cursor (no quadratic front removal), and line extraction.
struct MailStreamBuffer {
    private(set) var bytes: [UInt8] = []
    private var start = 0

    var count: Int { bytes.count - start }
    var isEmpty: Bool { count == 0 }
    var first: UInt8? { isEmpty ? nil : bytes[start] }

    mutating func append(_ more: [UInt8]) {
        if start > 0 && start >= bytes.count / 2 {
            bytes.removeFirst(start)
            start = 0
        }
        bytes += more
    }

    mutating func removeAll() {
        bytes = []
        start = 0
    }

    /// Removes and returns everything.
    mutating func takeAll() -> ArraySlice<UInt8> {
        let out = bytes[start...]
        bytes = []
        start = 0
        return out
    }

    /// Removes and returns up to `n` bytes.
    mutating func take(_ n: Int) -> ArraySlice<UInt8> {
        let end = start + min(n, count)
        let out = bytes[start..<end]
        start = end
        return out
    }

    /// Removes and returns the next line without its LF or CRLF, or nil when no full line is
    /// buffered. A partial line longer than the limit is dropped (its bytes are skipped).
    mutating func nextLine() -> ArraySlice<UInt8>? {
        guard let lf = bytes[start...].firstIndex(of: 0x0A) else {
            if count > MailStreamLimits.maximumLineBytes { removeAll() }
            return nil
        }
        var end = lf
        if end > start && bytes[end - 1] == 0x0D { end -= 1 }
        let line = bytes[start..<min(end, start + MailStreamLimits.maximumLineBytes)]
        start = lf + 1
        return line
    }
}
