import LineProtocol
import NIOCore

/// Follows one POP3 session from its two reassembled byte streams, fed in capture order, and
/// collects the messages retrieved with RETR. Pure.
///
/// Client commands are queued; each server status line (`+OK`, `-ERR`, or a SASL `+`
/// continuation) answers the oldest one. A `+OK` to a multi-line command (RETR, TOP, CAPA,
/// LIST/UIDL without argument, AUTH without argument) is followed by a dot-terminated body,
/// which is dot-unstuffed; a RETR body is a message. Lines that are none of these (garbage) are
/// skipped. `+OK` to STLS ends the analysis ("encrypted").
struct POP3StreamMachine {
    private enum Pending { case greeting, retrieve, multiLine, stls, single }
    private enum Mode {
        case status
        /// A RETR response: dot-unstuffed into a message.
        case message(DataContentDecoder)
        /// Another multi-line response, skipped line by line.
        case listing
        case encrypted
    }

    let client: TCPEndpoint
    let server: TCPEndpoint
    private(set) var messages: [ReplayedMessage] = []

    private var mode = Mode.status
    private var clientBuffer = MailStreamBuffer()
    private var serverBuffer = MailStreamBuffer()
    private var pending: [Pending] = [.greeting]
    private var message: MailStreamMessageCapture?
    private var lastTime = CaptureTime(seconds: 0, microseconds: 0)

    /// Whether messages keep their content (for scanning); nil: summaries only.
    let retention: ContentRetention?

    init(client: TCPEndpoint, server: TCPEndpoint, retention: ContentRetention? = nil) {
        self.client = client
        self.server = server
        self.retention = retention
    }

    /// Hands out the messages finished so far (live monitoring drains them as they end).
    mutating func takeMessages() -> [ReplayedMessage] {
        defer { messages = [] }
        return messages
    }

    mutating func clientData(_ bytes: [UInt8], time: CaptureTime) {
        lastTime = time
        if case .encrypted = mode { return }
        clientBuffer.append(bytes)
        while let line = clientBuffer.nextLine() {
            let words = String(decoding: line, as: UTF8.self).split(separator: " ", omittingEmptySubsequences: true)
            let verb = words.first.map { $0.uppercased() } ?? ""
            let hasArgument = words.count > 1
            let entry: Pending
            switch verb {
            case "RETR": entry = .retrieve
            case "TOP", "CAPA": entry = .multiLine
            case "LIST", "UIDL", "AUTH": entry = hasArgument ? .single : .multiLine
            case "STLS": entry = .stls
            default: entry = .single
            }
            if pending.count >= MailStreamLimits.maximumPendingCommands { pending.removeFirst() }
            pending.append(entry)
        }
    }

    mutating func clientGap() {
        clientBuffer.removeAll()
    }

    mutating func serverData(_ bytes: [UInt8], time: CaptureTime) {
        lastTime = time
        if case .encrypted = mode { return }
        serverBuffer.append(bytes)
        while true {
            switch mode {
            case .encrypted:
                serverBuffer.removeAll()
                return
            case .message(var decoder):
                let input = ByteBuffer(bytes: serverBuffer.takeAll())
                var capture = message ?? MailStreamMessageCapture(retention: retention)
                let outcome = decoder.decode(input) { capture.append($0) }
                message = capture
                switch outcome {
                case .needMoreData:
                    mode = .message(decoder)
                    return
                case .endOfData(let remainder):
                    mode = .status
                    record(status: capture.hadGap ? .gap : .complete, time: time)
                    serverBuffer.append(Array(remainder.readableBytesView))
                }
            case .status:
                guard let line = serverBuffer.nextLine() else { return }
                status(line, time: time)
            case .listing:
                guard let line = serverBuffer.nextLine() else { return }
                if line.elementsEqual([UInt8(ascii: ".")]) {
                    mode = .status
                } else if !pending.isEmpty && (line.starts(with: Array("+OK".utf8)) || line.starts(with: Array("-ERR".utf8))) {
                    // Leniency: a listing whose terminating dot is missing ends at the answer to
                    // the client's next command.
                    mode = .status
                    status(line, time: time)
                }
            }
        }
    }

    mutating func serverGap() {
        switch mode {
        case .message:
            message?.hadGap = true
            mode = .message(DataContentDecoder())
        default:
            serverBuffer.removeAll()
        }
    }

    mutating func finish() {
        if message != nil { record(status: .incomplete, time: lastTime) }
    }

    private mutating func status(_ line: ArraySlice<UInt8>, time: CaptureTime) {
        let positive = line.starts(with: Array("+OK".utf8))
        let negative = line.starts(with: Array("-ERR".utf8))
        let continuation = !positive && line.first == UInt8(ascii: "+")
            && (line.count == 1 || line[line.startIndex + 1] == UInt8(ascii: " "))
        guard positive || negative || continuation else { return }  // garbage: not an answer
        let entry = pending.isEmpty ? Pending.single : pending.removeFirst()
        guard positive else { return }
        switch entry {
        case .retrieve:
            message = MailStreamMessageCapture(retention: retention)
            mode = .message(DataContentDecoder())
        case .multiLine:
            mode = .listing
        case .stls:
            mode = .encrypted
            clientBuffer.removeAll()
            messages.append(ReplayedMessage(time: time, mailProtocol: .pop3, client: client, server: server,
                                            from: [], to: [], subject: nil, size: 0, status: .encrypted))
        case .greeting, .single:
            break
        }
    }

    private mutating func record(status: ReplayedMessage.Status, time: CaptureTime) {
        guard let capture = message else { return }
        let header = capture.headerSummary()
        messages.append(ReplayedMessage(time: time, mailProtocol: .pop3, client: client, server: server,
                                        from: header.from, to: header.to, subject: header.subject,
                                        size: capture.size, status: status, content: capture.takeContent()))
        message = nil
    }
}
