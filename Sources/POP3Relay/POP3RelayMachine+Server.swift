import LineProtocol
import NIOCore

extension POP3RelayMachine {
    /// Reads the server's status lines and, after a multi-line `+OK`, its bodies.
    mutating func readServer(into actions: inout [Action]) {
        while !isClosed {
            if phase.readsBody {
                guard serverFramer.bufferedBytes > 0 else { return }
                consumeBody(serverFramer.takeBufferedBytes(), into: &actions)
                continue
            }
            guard let frame = serverFramer.nextLine() else { return }
            // Leniency: a status line ended by a bare LF is accepted (relayed with CRLF).
            guard case .line(let line, _) = frame, let response = POP3Response.parse(line) else {
                protocolError(into: &actions)
                return
            }
            handleResponse(response, into: &actions)
        }
    }

    private mutating func handleResponse(_ response: POP3Response, into actions: inout [Action]) {
        let pending: Pending
        switch phase {
        case .awaitingGreeting:
            // RFC 1939 §4: the greeting is relayed byte for byte — an APOP timestamp in it is
            // what the client's digest is computed over (RFC 1939 §7).
            guard response.status != .continuation else { return protocolError(into: &actions) }
            relay(response, into: &actions)
            phase = .idle
            if response.status == .err { close(client: true, server: true, into: &actions) }
            return
        case .awaitingResponse(let awaited):
            pending = awaited
        default:
            // RFC 1939 sends nothing unsolicited.
            return protocolError(into: &actions)
        }
        if response.status == .continuation {
            guard case .auth = pending else { return protocolError(into: &actions) }
            // RFC 5034 §4: a challenge; the client's next line answers it.
            relay(response, into: &actions)
            phase = .authContinuation
            return
        }
        phase = .idle
        if case .stls = pending { return serverAnsweredSTLS(response, into: &actions) }
        guard response.status == .ok else {
            // -ERR: single-line whatever the command (RFC 1939 §3), relayed as is, response code
            // (RFC 2449 §8, RFC 3206) and all.
            relay(response, into: &actions)
            if case .quit = pending { close(client: true, server: true, into: &actions) } else { countError(into: &actions) }
            return
        }
        switch pending {
        case .singleLine:
            relay(response, into: &actions)
        case .login:
            relay(response, into: &actions)
            enterTransaction()
        case .auth(let listsMechanisms):
            relay(response, into: &actions)
            if listsMechanisms {
                phase = .listing(.relay(DotStuffer()))
                content = DataContentDecoder()
            } else {
                enterTransaction()
            }
        case .capa:
            phase = .listing(.capabilities(status: response.wire, listing: ByteBuffer(), truncated: false))
            content = DataContentDecoder()
        case .listing:
            relay(response, into: &actions)
            phase = .listing(.relay(DotStuffer()))
            content = DataContentDecoder()
        case .retr(let message):
            // Kept apart from the read buffer (at most 512 octets), so holding it while the
            // scan runs does not hold the buffer the content arrived in.
            var line = ByteBuffer()
            line.writeImmutableBuffer(response.line)
            let status = POP3Response(status: .ok, line: line)
            let comfort = POP3ClientComfort(retrievalStatus: status, unavailablePolicy: configuration.unavailablePolicy)
            startCollecting(Retrieval(message: message, kind: .retr, status: status, comfort: comfort), into: &actions)
        case .top(let message):
            // A TOP that peeks is not scanned (docs/product.md §3): its status line is final at once. (A
            // TOP that asks for the whole message arrives as `.retr`.)
            var comfort = POP3ClientComfort(fixedStatus: response)
            if let status = comfort.takeRest() { actions.append(.replyToClient(status)) }
            let retrieval = Retrieval(message: message, kind: .top(remembered.rewrite(for: message)), status: response, comfort: comfort)
            startCollecting(retrieval, into: &actions)
        case .stls:
            break  // answered above
        case .quit:
            relay(response, into: &actions)
            // RFC 1939 §6: QUIT in TRANSACTION enters UPDATE; the server then closes.
            if sessionState == .transaction { sessionState = .update }
            close(client: true, server: true, into: &actions)
        }
    }

    private mutating func enterTransaction() {
        if sessionState == .authorization { sessionState = .transaction }
    }

    private mutating func startCollecting(_ retrieval: Retrieval, into actions: inout [Action]) {
        actions.append(.startCollecting)
        holdsMessage = true
        content = DataContentDecoder()
        phase = .collecting(retrieval)
    }

    /// Feeds a multi-line body to the decoder; the hot path for RETR and TOP content. Per call:
    /// one decode pass, one `storeContent` slice per run of content (one, unless stuffed dots
    /// split it); no content byte is copied.
    mutating func consumeBody(_ bytes: ByteBuffer, into actions: inout [Action]) {
        var decoder = content
        let outcome: DataContentDecoder.Outcome
        switch phase {
        case .collecting(var retrieval):
            let limit = configuration.maximumMessageSize
            var overSize = retrieval.overSize
            var total = decoder.contentLength
            outcome = decoder.decode(bytes) { chunk in
                total += chunk.readableBytes
                if total > limit { overSize = true }
                actions.append(.storeContent(chunk))
            }
            if case .retr = retrieval.kind, overSize && !retrieval.overSize {
                // docs/product.md §5: over size is relayed unscanned, so the answer is now fixed: the whole
                // status line may go at once.
                retrieval.overSize = true
                retrieval.comfort.fix(to: retrieval.status.wire)
                if let status = retrieval.comfort.takeRest() {
                    actions.append(.replyToClient(status))
                    clientQuietSince = clock
                }
            }
            phase = .collecting(retrieval)
        case .listing(.relay(var stuffer)):
            var out = ByteBuffer()
            outcome = decoder.decode(bytes) { chunk in stuffer.encode(chunk, into: &out) }
            if case .endOfData = outcome { stuffer.finish(into: &out) }
            if out.readableBytes > 0 { actions.append(.replyToClient(out)) }
            phase = .listing(.relay(stuffer))
        case .listing(.capabilities(let status, var listing, var truncated)):
            outcome = decoder.decode(bytes) { chunk in
                guard !truncated else { return }
                let room = POP3Limits.maximumCapabilityListBytes - listing.readableBytes
                var part = chunk.getSlice(at: chunk.readerIndex, length: min(room, chunk.readableBytes))!
                listing.writeBuffer(&part)
                if chunk.readableBytes > room {
                    // Keep only whole lines (leniency, see the limit).
                    truncated = true
                    let view = listing.readableBytesView
                    let keep = (view.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? view.startIndex) - view.startIndex
                    listing.moveWriterIndex(to: listing.readerIndex + keep)
                }
            }
            phase = .listing(.capabilities(status: status, listing: listing, truncated: truncated))
        default:
            preconditionFailure("a body is read only while listing or collecting")
        }
        content = decoder
        guard case .endOfData(let remainder) = outcome else { return }
        // Pipelined responses after the "." wait in the framer.
        serverFramer.append(remainder)
        endOfBody(into: &actions)
    }

    private mutating func endOfBody(into actions: inout [Action]) {
        switch phase {
        case .listing(.relay):
            phase = .idle
        case .listing(.capabilities(let status, let listing, _)):
            // RFC 2449 §5 CAPA, filtered (docs/product.md §3: no STLS; no PIPELINING until supported).
            var out = status
            var filtered = POP3CapabilityFilter.filter(listing, removing: removedCapabilities)
            out.writeBuffer(&filtered)
            actions.append(.replyToClient(out))
            phase = .idle
        case .collecting(let retrieval):
            endOfContent(retrieval, size: content.contentLength, into: &actions)
        default:
            preconditionFailure("not reading a body")
        }
    }

    /// The server went away.
    mutating func serverClosed(into actions: inout [Action]) {
        switch phase {
        case .securing:
            serverClosedWhileSecuring(into: &actions)
        case .awaitingResponse(.quit):
            close(client: true, server: false, into: &actions)
        case .awaitingGreeting, .awaitingResponse, .authContinuation:
            // The client waits for a response: tell it why none comes.
            actions.append(.replyToClient(POP3RelayReplies.serverConnectionLost))
            close(client: true, server: false, into: &actions)
        case .collecting(let retrieval) where retrieval.comfort.sent == 0,
             .scanning(let retrieval) where retrieval.comfort.sent == 0:
            // Even with the content complete, the answer is -ERR: the session cannot go on
            // (no DELE possible), and a message delivered now would come again next time.
            actions.append(.replyToClient(POP3RelayReplies.serverConnectionLost))
            close(client: true, server: false, into: &actions)
        default:
            // Idle, or part of an answer already sent: the close itself tells the client.
            close(client: true, server: false, into: &actions)
        }
    }

    /// The server broke the protocol (docs/engineering-habits.md, habit 4: a response and a clean close, never a crash).
    mutating func protocolError(into actions: inout [Action]) {
        actions.append(.notice(.serverProtocolError))
        actions.append(.replyToClient(POP3RelayReplies.serverProtocolError))
        close(client: true, server: true, into: &actions)
    }

    func relay(_ response: POP3Response, into actions: inout [Action]) {
        actions.append(.replyToClient(response.wire))
    }

    mutating func close(client: Bool, server: Bool, into actions: inout [Action]) {
        release(into: &actions)
        if client { actions.append(.closeClient) }
        if server { actions.append(.closeServer) }
        phase = .closed
    }

    mutating func release(into actions: inout [Action]) {
        if holdsMessage {
            holdsMessage = false
            actions.append(.releaseMessage)
        }
    }
}
