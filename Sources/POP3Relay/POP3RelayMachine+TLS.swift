import MailRelay
import NIOCore

/// STLS (RFC 2595 §4) under the session's `TLSPolicy` (docs/tls.md); the same steps as SMTP's
/// STARTTLS (`SMTPRelayMachine+TLS.swift`), the same rulings (`TLSUpgradeProgress`):
///
///     C: STLS                          → A: STLS                        (to the server)
///     S: +OK Begin TLS negotiation     → secureServer                   (the +OK kept)
///     secured(.server)                 → A: +OK Begin TLS negotiation, secureClient
///     secured(.client)                 → idle, inside TLS: the client asks CAPA again
///
/// Plaintext the client sends after STLS is discarded, never relayed; server bytes after its
/// `+OK` are a protocol error. CAPA inside TLS is filtered again, STLS removed (RFC 2595 §4).
extension POP3RelayMachine {
    var removedCapabilities: Set<String> { tls.capabilitiesRemoved(configuration.removedCapabilities, keyword: "STLS") }

    mutating func startTLS(_ line: ByteBuffer, into actions: inout [Action]) {
        guard let refusal = tls.refusal(blocked: POP3RelayReplies.stlsRefused, alreadySecured: POP3RelayReplies.tlsAlreadyActive) else {
            return forward(line, awaiting: .stls, into: &actions)
        }
        if refusal.isBlock { actions.append(.notice(.tls(.blocked))) }
        refuse(refusal.reply, into: &actions)
    }

    mutating func serverAnsweredSTLS(_ response: POP3Response, into actions: inout [Action]) {
        guard response.status == .ok else {
            actions.append(.notice(.tls(.serverRefused)))
            relay(response, into: &actions)
            countError(into: &actions)
            return
        }
        let ruling = tls.goAhead(response, bytesAfter: serverFramer.bufferedBytes)
        if ruling != .protocolError { discardPlaintext(clientFramer.takeBufferedBytes().readableBytes, into: &actions) }
        switch ruling {
        case .secureServer:
            phase = .securing
            actions.append(.secureServer)
        case .relayOpaque:
            actions.append(.notice(.tls(tls.relayedNotice)))
            relay(response, into: &actions)
            phase = .opaque
        case .protocolError:
            // RFC 2595 §4: nothing after the +OK belongs to the plaintext session.
            protocolError(into: &actions)
        }
    }

    mutating func handshakeDone(_ side: RelaySide, into actions: inout [Action]) {
        guard case .securing = phase else { return }
        switch tls.handshakeDone(side) {
        case .answerClient(let response):
            relay(response, into: &actions)
            actions.append(.secureClient)
            lastInput = clock
        case .secured:
            phase = .idle
            lastInput = clock
        case .ignore:
            break
        }
    }

    /// Plaintext from the client while the upgrade runs: never relayed.
    mutating func discardPlaintext(_ octets: Int, into actions: inout [Action]) {
        if let notice = TLSUpgradeProgress<POP3Response>.discarded(octets) { actions.append(.notice(.tls(notice))) }
    }

    /// The server half's handshake runs (its silence is the server's timeout).
    var isSecuringServer: Bool {
        if case .server? = tls.step { return true }
        return false
    }

    mutating func serverClosedWhileSecuring(into actions: inout [Action]) {
        if isSecuringServer {
            actions.append(.notice(.tls(.serverHandshakeFailed)))
            actions.append(.replyToClient(POP3RelayReplies.tlsUnavailable))
        }
        close(client: true, server: false, into: &actions)
    }

    // MARK: asked by the session before the protocol starts

    /// The server is on the exempt list: STLS passes untouched (before any command).
    public mutating func exemptFromTLSInspection() { tls.exempt() }

    /// Implicit TLS passed untouched (`mail security tls … pass` on 465/995): no protocol to
    /// read, bytes go unchanged both ways from the start.
    public mutating func relayOpaque() { phase = .opaque }
}
