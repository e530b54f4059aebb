import LineProtocol
import NIOCore
import SMTPRelay

/// Follows one SMTP session from its two reassembled byte streams, fed in capture order, and
/// collects the messages it carries. Pure.
///
/// The client stream drives the transaction (MAIL, RCPT, DATA, BDAT, RSET, STARTTLS); the
/// server's replies are matched to the commands in order (pipelining included) and decide
/// whether DATA went ahead (354), a STARTTLS took effect (220), and which MAIL/RCPT were
/// refused. When the server direction was not captured at all, every command is taken as
/// accepted.
struct SMTPStreamMachine {
    private enum Pending {
        case greeting
        /// What a refusal restores (a refused nested MAIL leaves the open transaction alone).
        case mail(previousFrom: String?, previousRecipients: [(address: String, refused: Bool)])
        case rcpt(Int), data, endOfData, bdat, starttls, other
    }
    private enum Mode {
        case command
        case awaitingDataReply
        case data(DataContentDecoder)
        case bdat(remaining: Int, last: Bool)
        case awaitingTLSReply
        /// The server said 220 to STARTTLS; the client's next bytes tell whether TLS follows
        /// (a TLS record) or the capture holds the decrypted session (plain commands).
        case tlsStarted(CaptureTime)
        case encrypted
    }

    let client: TCPEndpoint
    let server: TCPEndpoint
    private(set) var messages: [ReplayedMessage] = []

    private var mode = Mode.command
    private var clientBuffer = MailStreamBuffer()
    private var serverBuffer = MailStreamBuffer()
    private var pending: [Pending] = [.greeting]
    private var serverSeen = false
    private var lastTime = CaptureTime(seconds: 0, microseconds: 0)

    private var envelopeFrom: String?
    private var recipients: [(address: String, refused: Bool)] = []
    private var message: MailStreamMessageCapture?

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
        pumpClient(time: time)
    }

    mutating func clientGap(_ count: Int) {
        switch mode {
        case .data:
            message?.hadGap = true
            // The decoder's line state is unknown after a hole: restart it at a line start.
            mode = .data(DataContentDecoder())
        case .bdat(let remaining, let last):
            message?.hadGap = true
            let skipped = min(remaining, count)
            message?.size += skipped
            mode = .bdat(remaining: remaining - skipped, last: last)
            if remaining - skipped == 0 { endBDAT(last: last, time: lastTime) }
        default:
            clientBuffer.removeAll()
        }
    }

    mutating func serverData(_ bytes: [UInt8], time: CaptureTime) {
        lastTime = time
        serverSeen = true
        if case .encrypted = mode { return }
        serverBuffer.append(bytes)
        if case .tlsStarted(let started) = mode {
            // Wait for the client to show TLS or plain text, within the hold limit.
            if serverBuffer.count > MailStreamLimits.maximumHeldBytes { encrypted(time: started) }
            return
        }
        while let line = serverBuffer.nextLine() {
            guard line.count >= 3, line.prefix(3).allSatisfy({ (0x30...0x39).contains($0) }) else { continue }
            if line.count > 3 && line[line.startIndex + 3] == UInt8(ascii: "-") { continue }  // continuation
            let code = line.prefix(3).reduce(0) { $0 * 10 + Int($1 - 0x30) }
            reply(code: code, time: time)
            if case .encrypted = mode { serverBuffer.removeAll(); return }
            if case .tlsStarted = mode { return }
        }
    }

    mutating func serverGap() {
        serverBuffer.removeAll()
    }

    /// The connection or the capture ended.
    mutating func finish() {
        switch mode {
        case .awaitingDataReply:
            // The answer to DATA was never seen: read on as if it was 354.
            startData()
            pumpClient(time: lastTime)
        case .awaitingTLSReply:
            mode = .command
            pumpClient(time: lastTime)
        case .tlsStarted(let started):
            encrypted(time: started)
        default:
            break
        }
        if message != nil { record(status: .incomplete, time: lastTime) }
    }

    // MARK: client

    private mutating func pumpClient(time: CaptureTime) {
        while true {
            switch mode {
            case .command:
                guard let line = clientBuffer.nextLine() else { return }
                command(SMTPCommand.parse(ByteBuffer(bytes: line)), time: time)
            case .awaitingDataReply, .awaitingTLSReply:
                guard clientBuffer.count > MailStreamLimits.maximumHeldBytes else { return }
                // The reply is overdue and the client went on: it must have been a go-ahead.
                if case .awaitingDataReply = mode { startData() } else { startTLS(time: time) }
            case .data(var decoder):
                let input = ByteBuffer(bytes: clientBuffer.takeAll())
                var capture = message ?? MailStreamMessageCapture(retention: retention)
                let outcome = decoder.decode(input) { capture.append($0) }
                message = capture
                switch outcome {
                case .needMoreData:
                    mode = .data(decoder)
                    return
                case .endOfData(let remainder):
                    mode = .command
                    push(.endOfData)
                    record(status: capture.hadGap ? .gap : .complete, time: time)
                    clientBuffer.append(Array(remainder.readableBytesView))
                }
            case .bdat(let remaining, let last):
                let chunk = clientBuffer.take(remaining)
                if !chunk.isEmpty { message?.append(chunk) }
                if remaining - chunk.count > 0 {
                    mode = .bdat(remaining: remaining - chunk.count, last: last)
                    return
                }
                endBDAT(last: last, time: time)
            case .tlsStarted(let started):
                guard let first = clientBuffer.first else { return }
                // Commands start with a letter; a TLS record with 0x14...0x17.
                if (0x41...0x5A).contains(first) || (0x61...0x7A).contains(first) {
                    mode = .command
                    pending = []
                } else {
                    encrypted(time: started)
                }
            case .encrypted:
                clientBuffer.removeAll()
                return
            }
        }
    }

    private mutating func command(_ command: SMTPCommand, time: CaptureTime) {
        switch command.verb {
        case .mail:
            push(.mail(previousFrom: envelopeFrom, previousRecipients: recipients))
            envelopeFrom = MailPathArgument.parse(command.argument, prefix: "FROM:")?.address
                ?? command.argument
            recipients = []
        case .rcpt:
            let address = MailPathArgument.parse(command.argument, prefix: "TO:")?.address ?? command.argument
            recipients.append((address, false))
            push(.rcpt(recipients.count - 1))
        case .data:
            push(.data)
            if serverSeen { mode = .awaitingDataReply } else { startData() }
        case .bdat:
            let words = command.argument.split(separator: " ")
            guard let first = words.first, let size = Int(first), size >= 0 else {
                push(.other)
                return
            }
            push(.bdat)
            if message == nil { message = MailStreamMessageCapture(retention: retention) }
            let last = words.dropFirst().contains { $0.uppercased() == "LAST" }
            mode = .bdat(remaining: size, last: last)
        case .rset, .helo, .ehlo:
            resetTransaction()
            push(.other)
        case .starttls:
            push(.starttls)
            if serverSeen { mode = .awaitingTLSReply } else { startTLS(time: time) }
        default:
            push(.other)
        }
    }

    private mutating func startData() {
        mode = .data(DataContentDecoder())
        if message == nil { message = MailStreamMessageCapture(retention: retention) }
    }

    private mutating func endBDAT(last: Bool, time: CaptureTime) {
        mode = .command
        if last { record(status: message?.hadGap == true ? .gap : .complete, time: time) }
    }

    private mutating func startTLS(time: CaptureTime) {
        mode = .tlsStarted(time)
        resetTransaction()
    }

    private mutating func encrypted(time: CaptureTime) {
        mode = .encrypted
        clientBuffer.removeAll()
        serverBuffer.removeAll()
        messages.append(ReplayedMessage(time: time, mailProtocol: .smtp, client: client, server: server,
                                        from: [], to: [], subject: nil, size: 0, status: .encrypted))
    }

    private mutating func resetTransaction() {
        envelopeFrom = nil
        recipients = []
        message = nil
    }

    private mutating func push(_ entry: Pending) {
        if pending.count >= MailStreamLimits.maximumPendingCommands { pending.removeFirst() }
        pending.append(entry)
    }

    // MARK: server

    private mutating func reply(code: Int, time: CaptureTime) {
        if case .data = mode {
            // The server answers only after what it took for the end of data (or when it gives
            // up): the content never had a valid terminator here (a bare-LF `.` line, say).
            // End the message there, as incomplete, and read the client's next commands.
            mode = .command
            push(.endOfData)
            record(status: .incomplete, time: time)
        }
        if case .greeting? = pending.first, code != 220, code != 554, pending.count > 1 {
            // A capture started after the greeting: this reply answers the first command seen.
            pending.removeFirst()
        }
        let entry = pending.isEmpty ? nil : pending.removeFirst()
        switch entry {
        case .mail(let previousFrom, let previousRecipients)?:
            if code >= 400 {
                envelopeFrom = previousFrom
                recipients = previousRecipients
            }
        case .rcpt(let index)?:
            if code >= 400, index < recipients.count { recipients[index].refused = true }
        case .data?:
            if case .awaitingDataReply = mode {
                if code == 354 { startData() } else { mode = .command }
            }
        case .starttls?:
            if case .awaitingTLSReply = mode {
                if code == 220 { startTLS(time: time) } else { mode = .command }
            }
        default:
            if case .awaitingDataReply = mode, code == 354 {
                // Replies and commands out of step: trust the 354.
                pending.removeAll()
                startData()
            }
        }
        pumpClient(time: time)
    }

    // MARK: records

    private mutating func record(status: ReplayedMessage.Status, time: CaptureTime) {
        guard let capture = message else { return }
        let header = capture.headerSummary()
        let accepted = recipients.filter { !$0.refused }.map { $0.address }
        let from = envelopeFrom.map { [$0] } ?? header.from
        let to = recipients.isEmpty ? header.to : accepted
        messages.append(ReplayedMessage(time: time, mailProtocol: .smtp, client: client, server: server,
                                        from: from, to: to, subject: header.subject, size: capture.size,
                                        status: status, content: capture.takeContent()))
        message = nil
        envelopeFrom = nil
        recipients = []
    }
}
