import MailRelay
import NIOCore

/// STARTTLS (RFC 3207) under the session's `TLSPolicy` (docs/tls.md); the rulings are
/// `TLSUpgradeProgress`'s, shared with POP3's STLS.
///
/// Inspect: the server half is secured first, and only then is the client told to go ahead, so
/// a server that refuses or fails is never hidden behind a 220 the appliance gave itself:
///
///     C: STARTTLS                      → A: STARTTLS                    (to the server)
///     S: 220 2.0.0 Ready               → secureServer                   (the server's 220 kept)
///     secured(.server)                 → A: 220 2.0.0 Ready, secureClient
///     secured(.client)                 → idle: the client starts over with EHLO, inside TLS
///
/// Nothing read in plaintext after STARTTLS is ever relayed: client bytes that follow the
/// command before the handshake (an injection, RFC 3207 §5 and CVE-2011-0411) are discarded,
/// and server bytes after its 220 end the session as a protocol error. The EHLO reply inside
/// TLS is filtered again, STARTTLS removed (RFC 3207 §4.2).
///
/// Pass: the server's 220 goes to the client and from then on bytes are relayed unchanged
/// both ways (`Phase.opaque`), encrypted and not inspected. Block: STARTTLS is not offered
/// and is refused with 502.
extension SMTPRelayMachine {
    var removedCapabilities: Set<String> { tls.capabilitiesRemoved(configuration.removedCapabilities, keyword: "STARTTLS") }

    mutating func startTLS(_ line: ByteBuffer, into actions: inout [Action]) {
        guard let refusal = tls.refusal(blocked: SMTPRelayReplies.notImplemented, alreadySecured: SMTPRelayReplies.tlsAlreadyActive) else {
            return forward(line, awaiting: .starttls, into: &actions)
        }
        if refusal.isBlock { actions.append(.notice(.tls(.blocked))) }
        refuse(refusal.reply, into: &actions)
    }

    mutating func serverAnsweredStartTLS(_ reply: SMTPReply, into actions: inout [Action]) {
        guard reply.code == 220 else {
            // 454 or 501: the session goes on in plaintext, as between client and server.
            actions.append(.notice(.tls(.serverRefused)))
            self.reply(reply, into: &actions)
            return
        }
        let ruling = tls.goAhead(reply, bytesAfter: serverFramer.bufferedBytes)
        if ruling != .protocolError, let notice = TLSUpgradeProgress<SMTPReply>.discarded(clientFramer.takeBufferedBytes().readableBytes) {
            actions.append(.notice(.tls(notice)))
        }
        switch ruling {
        case .secureServer:
            phase = .securing
            actions.append(.secureServer)
        case .relayOpaque:
            actions.append(.notice(.tls(tls.relayedNotice)))
            self.reply(reply, into: &actions)
            phase = .opaque
        case .protocolError:
            // RFC 3207 §4.2: nothing after the 220 belongs to the plaintext session.
            protocolError(.unexpectedReply, into: &actions)
        }
    }

    mutating func handshakeDone(_ side: RelaySide, into actions: inout [Action]) {
        guard case .securing = phase else { return }
        switch tls.handshakeDone(side) {
        case .answerClient(let reply):
            self.reply(reply, into: &actions)
            actions.append(.secureClient)
        case .secured:
            // RFC 3207 §4.2: both sides forget what the plaintext session said; the client
            // starts again with EHLO.
            transaction = Transaction()
            junkCommands = 0
            phase = .idle
        case .ignore:
            break
        }
    }

    /// Plaintext from the client while the upgrade runs: never relayed.
    mutating func discardPlaintext(_ octets: Int, into actions: inout [Action]) {
        if let notice = TLSUpgradeProgress<SMTPReply>.discarded(octets) { actions.append(.notice(.tls(notice))) }
    }

    mutating func serverClosedWhileSecuring(into actions: inout [Action]) {
        if case .server? = tls.step {
            // The client still speaks plaintext and waits for its answer to STARTTLS.
            actions.append(.notice(.tls(.serverHandshakeFailed)))
            close(replying: SMTPRelayReplies.tlsUnavailable, server: false, into: &actions)
        } else {
            // Mid-handshake with the client: a plaintext reply would only garble it.
            close(client: true, server: false, into: &actions)
        }
    }

    // MARK: asked by the session before the protocol starts

    /// The server is on the exempt list: STARTTLS passes untouched (before any command).
    public mutating func exemptFromTLSInspection() { tls.exempt() }

    /// Implicit TLS passed untouched (`mail security tls … pass` on 465/995): no protocol to
    /// read, bytes go unchanged both ways from the start.
    public mutating func relayOpaque() { phase = .opaque }
}
