import LineProtocol
import NIOCore

extension POP3RelayMachine {
    /// Serves waiting client input for as long as the relay can: one command at a time, in order
    /// (a pipelining client's later commands wait, unparsed, in the framer).
    mutating func serveClient(into actions: inout [Action]) {
        while true {
            switch phase {
            case .idle:
                guard let frame = clientFramer.nextLine() else { return }
                lastInput = clock
                handleCommand(frame, into: &actions)
            case .authContinuation:
                // RFC 5034 §4: a SASL response line (or "*" to cancel), relayed raw.
                guard let frame = clientFramer.nextLine() else { return }
                lastInput = clock
                switch frame {
                case .line(let line, _) where !line.readableBytesView.contains(UInt8(ascii: "\r")):
                    sendToServer(line: line, into: &actions)
                case .line, .tooLong:
                    // Too long, or a bare CR (never in base64): cancel the exchange with "*";
                    // the server's -ERR is relayed.
                    actions.append(.sendToServer(ByteBuffer(string: "*\r\n")))
                }
                phase = .awaitingResponse(.auth(listsMechanisms: false))
            case .awaitingGreeting, .awaitingResponse, .listing, .collecting, .scanning, .securing, .opaque, .closed:
                return
            }
        }
    }

    private mutating func handleCommand(_ frame: LineFramer.Frame, into actions: inout [Action]) {
        guard case .line(let line, _) = frame else {
            refuse(POP3RelayReplies.lineTooLong, into: &actions)
            return
        }
        // RFC 1939 §3: CR only in CRLF. A server that ended lines at a bare CR would read two
        // commands where the relay forwarded one, and the responses would fall out of step.
        if line.readableBytesView.contains(UInt8(ascii: "\r")) {
            refuse(POP3RelayReplies.bareCarriageReturn, into: &actions)
            return
        }
        let command = POP3Command.parse(line)
        // RFC 2449 §4; only AUTH may be longer (its initial response, RFC 5034 §4).
        if command.keyword != .auth && line.readableBytes + 2 > POP3Limits.maximumCommandLineLength {
            refuse(POP3RelayReplies.lineTooLong, into: &actions)
            return
        }
        switch command.keyword {
        case .stls:
            startTLS(line, into: &actions)
        case .capa:
            forward(line, awaiting: .capa, into: &actions)
        case .list, .uidl:
            forward(line, awaiting: command.arguments.isEmpty ? .listing : .singleLine, into: &actions)
        case .retr:
            guard let n = command.messageNumber, command.arguments.count == 1 else {
                // The relay must know which message a multi-line answer belongs to.
                refuse(POP3RelayReplies.invalidMessageNumber, into: &actions)
                return
            }
            forward(line, awaiting: .retr(message: n), into: &actions)
            clientQuietSince = clock
        case .top:
            guard let n = command.messageNumber, command.topLineCount != nil else {
                refuse(POP3RelayReplies.invalidMessageNumber, into: &actions)
                return
            }
            if command.isWholeMessageTop {
                // A TOP asking for the whole message is a retrieval (`POP3Limits.wholeMessageTopLines`):
                // exactly as RETR from here on. The line goes to the server as the client wrote it.
                forward(line, awaiting: .retr(message: n), into: &actions)
                clientQuietSince = clock
            } else {
                forward(line, awaiting: .top(message: n), into: &actions)
            }
        case .pass, .apop:
            forward(line, awaiting: .login, into: &actions)
        case .auth:
            forward(line, awaiting: .auth(listsMechanisms: command.arguments.isEmpty), into: &actions)
        case .quit:
            forward(line, awaiting: .quit, into: &actions)
        case .user, .stat, .dele, .noop, .rset, .other:
            forward(line, awaiting: .singleLine, into: &actions)
        }
    }

    /// Reads stop while more than `POP3Limits.maximumQueuedCommandBytes` wait unserved.
    mutating func applyBackpressure(into actions: inout [Action]) {
        guard !isClosed else { return }
        let queued = clientFramer.bufferedBytes
        if !clientReadsPaused && queued > POP3Limits.maximumQueuedCommandBytes {
            clientReadsPaused = true
            actions.append(.pauseClientReads)
        } else if clientReadsPaused && queued <= POP3Limits.maximumQueuedCommandBytes {
            clientReadsPaused = false
            actions.append(.resumeClientReads)
        }
    }

    /// Answers a command with an `-ERR` of the relay's own and counts it.
    mutating func refuse(_ response: ByteBuffer, into actions: inout [Action]) {
        actions.append(.replyToClient(response))
        countError(into: &actions)
    }

    /// Counts one `-ERR` the client got; at `POP3Limits.maximumErrorResponses` both sides close
    /// without QUIT (nothing deleted).
    mutating func countError(into actions: inout [Action]) {
        errorResponses += 1
        guard errorResponses >= POP3Limits.maximumErrorResponses, !isClosed else { return }
        actions.append(.notice(.tooManyErrors))
        actions.append(.replyToClient(POP3RelayReplies.tooManyErrors))
        close(client: true, server: true, into: &actions)
    }

    mutating func forward(_ line: ByteBuffer, awaiting pending: Pending, into actions: inout [Action]) {
        sendToServer(line: line, into: &actions)
        phase = .awaitingResponse(pending)
        lastInput = clock
    }

    /// Sends a line with CRLF (a bare LF from the client is normalised, RFC 1939 §3).
    func sendToServer(line: ByteBuffer, into actions: inout [Action]) {
        var out = ByteBuffer()
        out.reserveCapacity(line.readableBytes + 2)
        out.writeImmutableBuffer(line)
        out.writeStaticString("\r\n")
        actions.append(.sendToServer(out))
    }
}
