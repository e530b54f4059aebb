import LineProtocol
import NIOCore

extension SMTPRelayMachine {
    /// Serves waiting client input for as long as the relay can: one command at a time, content
    /// straight to the decoder.
    mutating func serveClient(into actions: inout [Action]) {
        while true {
            switch phase {
            case .idle:
                guard let frame = clientFramer.nextLine() else { return }
                handleCommand(frame, into: &actions)
            case .authContinuation:
                // RFC 4954 §4: a SASL response line (or "*" to cancel), relayed raw.
                guard let frame = clientFramer.nextLine() else { return }
                switch frame {
                case .line(let line, _) where !line.readableBytesView.contains(UInt8(ascii: "\r")):
                    sendToServer(line: line, into: &actions)
                case .line, .tooLong:
                    // Too long for RFC 4954 §4, or a bare CR (never in base64): cancel the
                    // exchange with "*"; the server's 501 is relayed.
                    actions.append(.sendToServer(ByteBuffer(string: "*\r\n")))
                }
                phase = .awaitingReply(.auth)
            case .collecting:
                guard clientFramer.bufferedBytes > 0 else { return }
                collect(clientFramer.takeBufferedBytes(), into: &actions)
            case .awaitingGreeting, .awaitingReply, .scanning, .securing, .opaque, .closed:
                return
            }
        }
    }

    private mutating func handleCommand(_ frame: LineFramer.Frame, into actions: inout [Action]) {
        clientTurn &+= 1
        guard case .line(let line, _) = frame else {
            refuse(SMTPRelayReplies.lineTooLong, into: &actions)
            return
        }
        // RFC 5321 §2.3.8: CR only in CRLF. A server that ended lines at a bare CR would read
        // two commands where the relay forwarded one, and the two would fall out of step.
        if line.readableBytesView.contains(UInt8(ascii: "\r")) {
            refuse(SMTPRelayReplies.bareCarriageReturn, into: &actions)
            return
        }
        let command = SMTPCommand.parse(line)
        // RFC 5321 §4.5.3.1.4; only AUTH may be longer (RFC 4954 §4).
        if command.verb != .auth && line.readableBytes + 2 > SMTPLimits.maximumCommandLineLength {
            refuse(SMTPRelayReplies.lineTooLong, into: &actions)
            return
        }
        switch command.verb {
        case .starttls:
            startTLS(line, into: &actions)
        case .turn:
            refuse(SMTPRelayReplies.notImplemented, into: &actions)
        case .xclient, .xforward:
            refuse(SMTPRelayReplies.identityAssertionRefused, into: &actions)
        case .bdat:
            // CHUNKING is not offered (RFC 3030). The chunk announced still follows the command
            // without waiting for a reply: step over its bytes so they are never read as
            // commands (they would be commands smuggled past the scan).
            if let size = command.argument.split(separator: " ").first.flatMap({ Int($0) }), size >= 0 {
                clientFramer.skip(size)
            }
            refuse(SMTPRelayReplies.notImplemented, into: &actions)
        case .data:
            startData(into: &actions)
        case .mail:
            let path = MailPathArgument.parse(command.argument, prefix: "FROM:")
            if path?.body == "BINARYMIME" {
                refuse(SMTPRelayReplies.binaryMIMENotSupported, into: &actions)
            } else if configuration.sizeOverflow == .reject, let size = path?.size, size > configuration.maximumMessageSize {
                // RFC 1870 §6.1: refused before any content is sent (docs/product.md §3).
                reply(SMTPRelayReplies.messageTooBig, into: &actions)
            } else {
                forward(line, awaiting: .mail(path), into: &actions)
            }
        case .rcpt:
            if transaction.recipients.count >= SMTPLimits.maximumRecipients {
                // Not an error: RFC 5321 §4.5.3.1.10 tells the client to send the rest later.
                reply(SMTPRelayReplies.tooManyRecipients, into: &actions)
            } else {
                forward(line, awaiting: .rcpt(MailPathArgument.parse(command.argument, prefix: "TO:")), into: &actions)
            }
        case .helo:
            forward(line, awaiting: .helo(extended: false), into: &actions)
        case .ehlo:
            forward(line, awaiting: .helo(extended: true), into: &actions)
        case .rset:
            guard !countJunk(into: &actions) else { return }
            forward(line, awaiting: .rset, into: &actions)
        case .quit:
            forward(line, awaiting: .quit, into: &actions)
        case .auth:
            forward(line, awaiting: .auth, into: &actions)
        case .noop, .vrfy, .expn, .help:
            guard !countJunk(into: &actions) else { return }
            forward(line, awaiting: .other, into: &actions)
        case .other:
            forward(line, awaiting: .other, into: &actions)
        }
    }

    /// A command that carries no mail; past `SMTPLimits.maximumJunkCommands` each one counts as
    /// an error. True when that ended the session.
    private mutating func countJunk(into actions: inout [Action]) -> Bool {
        junkCommands += 1
        guard junkCommands > SMTPLimits.maximumJunkCommands else { return false }
        return countError(into: &actions)
    }

    /// Replies with an error of the appliance's own and counts it.
    mutating func refuse(_ error: SMTPReply, into actions: inout [Action]) {
        reply(error, into: &actions)
        _ = countError(into: &actions)
    }

    /// `DATA` is answered by the appliance: the server sees it only once the message may go.
    ///
    ///     C: DATA
    ///     A: 354 End data with <CR><LF>.<CR><LF>     (or 503 / 554, RFC 5321 §3.3)
    private mutating func startData(into actions: inout [Action]) {
        guard transaction.mailAccepted else {
            reply(SMTPRelayReplies.needMail, into: &actions)
            return
        }
        guard !transaction.recipients.isEmpty else {
            reply(SMTPRelayReplies.noValidRecipients, into: &actions)
            return
        }
        reply(SMTPRelayReplies.startMailInput, into: &actions)
        actions.append(.startCollecting)
        holdsMessage = true
        content = DataContentDecoder()
        contentOverSize = false
        phase = .collecting
    }

    /// Feeds content to the decoder; the hot path. Per call: one decode pass over the bytes,
    /// one `storeContent` slice per run of content (one, unless stuffed dots split it).
    mutating func collect(_ bytes: ByteBuffer, into actions: inout [Action]) {
        var decoder = content
        var overSize = contentOverSize
        var total = decoder.contentLength
        let limit = configuration.maximumMessageSize
        let keepOverSize = configuration.sizeOverflow == .pass
        let outcome = decoder.decode(bytes) { chunk in
            total += chunk.readableBytes
            if !overSize && total > limit {
                overSize = true
                if !keepOverSize { actions.append(.discardCollected) }
            }
            if !overSize || keepOverSize { actions.append(.storeContent(chunk)) }
        }
        content = decoder
        contentOverSize = overSize
        guard case .endOfData(let remainder) = outcome else { return }
        // A pipelined command after the "." waits for its turn in the framer.
        clientFramer.append(remainder)
        endOfData(into: &actions)
    }

    private mutating func endOfData(into actions: inout [Action]) {
        let size = content.contentLength
        if contentOverSize {
            let deliver = configuration.sizeOverflow == .pass
            actions.append(.notice(.overSize(size: size, delivered: deliver)))
            if deliver {
                // docs/product.md §5 size overflow pass: relayed unscanned; the store kept every byte.
                beginDelivery(.stored, into: &actions)
            } else {
                abortTransaction(replying: SMTPRelayReplies.messageTooBig, into: &actions)
            }
        } else if configuration.bareLineFeeds == .reject && content.bareLineFeeds > 0 {
            abortTransaction(replying: SMTPRelayReplies.bareLineFeedRejected, into: &actions)
        } else {
            phase = .scanning
            actions.append(.scanMessage(transaction.envelope, size: size))
        }
    }

    /// Reads stop while more than `SMTPLimits.maximumQueuedCommandBytes` wait unserved.
    mutating func applyBackpressure(into actions: inout [Action]) {
        guard !isClosed else { return }
        let queued = clientFramer.bufferedBytes
        if !clientReadsPaused && queued > SMTPLimits.maximumQueuedCommandBytes {
            clientReadsPaused = true
            actions.append(.pauseClientReads)
        } else if clientReadsPaused && queued <= SMTPLimits.maximumQueuedCommandBytes {
            clientReadsPaused = false
            actions.append(.resumeClientReads)
        }
    }

    // MARK: shared by the other extensions

    mutating func forward(_ line: ByteBuffer, awaiting pending: Pending, into actions: inout [Action]) {
        sendToServer(line: line, into: &actions)
        phase = .awaitingReply(pending)
    }

    /// Sends a line with CRLF (a bare LF from the client is normalised, RFC 5321 §2.3.8).
    func sendToServer(line: ByteBuffer, into actions: inout [Action]) {
        var out = ByteBuffer()
        out.reserveCapacity(line.readableBytes + 2)
        out.writeImmutableBuffer(line)
        out.writeStaticString("\r\n")
        actions.append(.sendToServer(out))
    }

    func reply(_ reply: SMTPReply, into actions: inout [Action]) {
        actions.append(.replyToClient(reply.encoded()))
    }

    /// Counts one error reply the client got; at `SMTPLimits.maximumErrorReplies` the session
    /// ends with `421 4.7.0` (both sides closed). True when it ended.
    mutating func countError(into actions: inout [Action]) -> Bool {
        errorReplies += 1
        guard errorReplies >= SMTPLimits.maximumErrorReplies else { return false }
        actions.append(.notice(.tooManyErrors))
        close(replying: SMTPRelayReplies.tooManyErrors, server: true, into: &actions)
        return true
    }

    mutating func release(into actions: inout [Action]) {
        if holdsMessage {
            holdsMessage = false
            actions.append(.releaseMessage)
        }
    }
}
