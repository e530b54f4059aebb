import LineProtocol
import NIOCore

extension POP3RelayMachine {
    /// The content of a RETR or TOP is complete.
    ///
    /// RETR (and a TOP asking for the whole message): over size → relayed unscanned (docs/product.md §5);
    /// otherwise scanned. A TOP that peeks: not scanned (docs/product.md §3); if this session rewrote the
    /// same message, its header gets the same rewrite.
    mutating func endOfContent(_ retrieval: Retrieval, size: Int, into actions: inout [Action]) {
        switch retrieval.kind {
        case .retr:
            if retrieval.overSize {
                actions.append(.notice(.overSize(message: retrieval.message, size: size)))
                finish(retrieval, with: .unchanged, into: &actions)
            } else {
                var retrieval = retrieval
                retrieval.size = size
                phase = .scanning(retrieval)
                scanStarted = clock
                actions.append(.scanMessage(retrieval.message, size: size))
            }
        case .top(let rewrite):
            // RFC 1939 §7: TOP sends the message's headers as they are, so the octets the RETR
            // rewrite replaced open the TOP output too — when it is at least that long.
            if let rewrite, size >= rewrite.replacing {
                actions.append(.sendRewrittenMessage(to: .client, header: rewrite.header, storedFrom: rewrite.replacing))
            } else {
                actions.append(.sendStoredMessage(to: .client))
            }
            release(into: &actions)
            phase = .idle
        }
    }

    /// Gives the client the final answer to its RETR.
    ///
    ///     unchanged   A: <the server's +OK line>       sendStoredMessage(to: .client)
    ///     rewritten   A: <+OK line, count corrected>   sendRewrittenMessageToClient
    ///     tempfail    A: -ERR [SYS/TEMP] text          (the message stays on the server)
    ///
    /// Only the part of the status line not yet sent as comfort goes. Once comfort bytes went,
    /// the relay is committed to `+OK`: a tempfail can then only be an abort — both sides
    /// closed, the server's without QUIT (RFC 1939 §6: no UPDATE state, nothing deleted, the
    /// client retries). Any other answer that does not extend what was sent (never reached with
    /// a configuration that matches the decision table) gets the same abort.
    mutating func finish(_ retrieval: Retrieval, with answer: Answer, into actions: inout [Action]) {
        var answer = answer
        if case .rewritten(let header, let replacing) = answer, !(0...retrieval.size).contains(replacing) {
            // A rewrite cannot replace more than the message; clamped rather than trusted.
            answer = .rewritten(header: header, replacing: min(max(replacing, 0), retrieval.size))
        }
        let status: ByteBuffer
        switch answer {
        case .unchanged:
            status = retrieval.status.wire
        case .rewritten(let header, let replacing):
            if let stated = retrieval.status.octetCount {
                status = retrieval.status.wire(statingOctetCount: max(0, stated - replacing + header.readableBytes))
            } else {
                status = retrieval.status.wire
            }
        case .tempfail(let text):
            status = POP3RelayReplies.tempfail(text)
        }
        guard let rest = retrieval.comfort.remainder(of: status) else {
            if case .tempfail = answer {
                actions.append(.notice(.abortedAfterCommitment(message: retrieval.message)))
            } else {
                actions.append(.notice(.answerContradictsComfort(message: retrieval.message)))
            }
            close(client: true, server: true, into: &actions)
            return
        }
        if rest.readableBytes > 0 { actions.append(.replyToClient(rest)) }
        switch answer {
        case .unchanged:
            actions.append(.sendStoredMessage(to: .client))
            remembered.set(nil, for: retrieval.message)
        case .rewritten(let header, let replacing):
            actions.append(.sendRewrittenMessage(to: .client, header: header, storedFrom: replacing))
            remembered.set(.init(header: header, replacing: replacing), for: retrieval.message)
        case .tempfail:
            break
        }
        release(into: &actions)
        phase = .idle
        scanStarted = nil
        clientQuietSince = nil
        // The client's idle time starts with its answer, not with the content's last byte.
        lastInput = clock
    }

    /// Time passed: comfort a waiting client, give up on a decision, time out a silent peer.
    mutating func checkTime(_ now: NIODeadline, into actions: inout [Action]) {
        if lastInput == nil { lastInput = now }
        switch phase {
        case .collecting(var retrieval):
            comfort(&retrieval, now: now, into: &actions)
            phase = .collecting(retrieval)
            // The server's pace: its silence is a server timeout.
            if now - lastInput! >= configuration.timeouts.serverResponse { serverTimedOut(into: &actions) }
        case .scanning(var retrieval):
            comfort(&retrieval, now: now, into: &actions)
            if scanStarted == nil { scanStarted = now }
            if now - scanStarted! >= configuration.timeouts.decision {
                phase = .scanning(retrieval)
                giveUp(on: retrieval, into: &actions)
            } else if now - clientQuietSince! >= configuration.clientSilenceBudget {
                if mayCommit(retrieval) {
                    commitToAcceptance(&retrieval, now: now, into: &actions)
                    phase = .scanning(retrieval)
                } else {
                    phase = .scanning(retrieval)
                    giveUp(on: retrieval, into: &actions)
                }
            } else {
                phase = .scanning(retrieval)
            }
        case .idle, .authContinuation:
            // RFC 1939 §3: autologout; no UPDATE state, nothing deleted.
            if now - lastInput! >= configuration.timeouts.clientIdle {
                actions.append(.notice(.timedOut))
                close(client: true, server: true, into: &actions)
            }
        case .securing where isSecuringServer:
            if now - lastInput! >= configuration.timeouts.serverResponse { serverTimedOut(into: &actions) }
        case .awaitingGreeting, .awaitingResponse, .listing:
            if now - lastInput! >= configuration.timeouts.serverResponse { serverTimedOut(into: &actions) }
        case .securing:
            // The client's handshake must finish within the autologout time too.
            if now - lastInput! >= configuration.timeouts.clientIdle {
                actions.append(.notice(.timedOut))
                close(client: true, server: true, into: &actions)
            }
        case .opaque, .closed:
            // Opaque: the relay no longer knows what either side waits for.
            break
        }
    }

    /// Sends the next safe byte when the client has heard nothing for a comfort interval.
    private mutating func comfort(_ retrieval: inout Retrieval, now: NIODeadline, into actions: inout [Action]) {
        if clientQuietSince == nil { clientQuietSince = now }
        guard let interval = configuration.comfortInterval, now - clientQuietSince! >= interval,
              let byte = retrieval.comfort.nextByte() else { return }
        actions.append(.replyToClient(byte))
        clientQuietSince = now
    }

    /// Under `reject`, with comforting on and nothing sent yet, the silence budget does not end
    /// the wait: the relay commits to `+OK` instead (docs/pop3-client-comforting.md).
    private func mayCommit(_ retrieval: Retrieval) -> Bool {
        configuration.unavailablePolicy == .reject && configuration.comfortInterval != nil
            && !retrieval.comfort.isCommitted
    }

    /// The silence budget ran out under `reject` and the scan still runs: rather than give up,
    /// the relay gives up the tempfail. The first byte of `+OK` goes now, the rest of the safe
    /// prefix one per comfort interval; the budget runs again from the last byte sent.
    private mutating func commitToAcceptance(_ retrieval: inout Retrieval, now: NIODeadline, into actions: inout [Action]) {
        retrieval.comfort.commitToAcceptance(status: retrieval.status)
        guard let byte = retrieval.comfort.nextByte() else { return }
        actions.append(.replyToClient(byte))
        clientQuietSince = now
    }

    /// No decision in time: the unavailable policy applies (docs/product.md §5) — under `reject` after a
    /// commitment to `+OK`, as the abort (see `finish`).
    private mutating func giveUp(on retrieval: Retrieval, into actions: inout [Action]) {
        switch configuration.unavailablePolicy {
        case .reject:
            actions.append(.notice(.scanTimedOut(message: retrieval.message, delivered: false)))
            finish(retrieval, with: .tempfail(text: POP3RelayReplies.scanTimedOut), into: &actions)
        case .pass:
            actions.append(.notice(.scanTimedOut(message: retrieval.message, delivered: true)))
            finish(retrieval, with: .unchanged, into: &actions)
        }
    }

    private mutating func serverTimedOut(into actions: inout [Action]) {
        actions.append(.notice(.timedOut))
        var partial = false
        switch phase {
        case .listing(.relay): partial = true  // its status line went already
        case .collecting(let retrieval): partial = retrieval.comfort.sent > 0
        default: break
        }
        if !partial { actions.append(.replyToClient(POP3RelayReplies.serverTimeout)) }
        close(client: true, server: true, into: &actions)
    }
}
