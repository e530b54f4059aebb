import MailRelay
import NIOCore

/// STARTTLS (RFC 3207) under the session's `TLSPolicy` (docs/tls.md).
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
    /// The EHLO keywords removed: STARTTLS stays while the relay can honour it (not blocked,
    /// not yet secured).
    var removedCapabilities: Set<String> {
        if configuration.tls == .block || secured { return configuration.removedCapabilities.union(["STARTTLS"]) }
        return configuration.removedCapabilities.subtracting(["STARTTLS"])
    }

    mutating func startTLS(_ line: ByteBuffer, into actions: inout [Action]) {
        if configuration.tls == .block {
            actions.append(.notice(.tls(.blocked)))
            refuse(SMTPRelayReplies.notImplemented, into: &actions)
        } else if secured {
            refuse(SMTPRelayReplies.tlsAlreadyActive, into: &actions)
        } else {
            forward(line, awaiting: .starttls, into: &actions)
        }
    }

    mutating func serverAnsweredStartTLS(_ reply: SMTPReply, into actions: inout [Action]) {
        guard reply.code == 220 else {
            // 454 or 501: the session goes on in plaintext, as between client and server.
            actions.append(.notice(.tls(.serverRefused)))
            self.reply(reply, into: &actions)
            return
        }
        // RFC 3207 §4.2: nothing after the 220 belongs to the plaintext session.
        guard serverFramer.bufferedBytes == 0 else {
            protocolError(.unexpectedReply, into: &actions)
            return
        }
        discardPlaintext(clientFramer.takeBufferedBytes().readableBytes, into: &actions)
        switch configuration.tls {
        case .inspect:
            phase = .securing(.server(reply))
            actions.append(.secureServer)
        case .pass:
            actions.append(.notice(.tls(.passed)))
            self.reply(reply, into: &actions)
            phase = .opaque
        case .block:
            // Never forwarded under block; a 220 to a command not sent is the server's error.
            protocolError(.unexpectedReply, into: &actions)
        }
    }

    mutating func handshakeDone(_ side: RelaySide, into actions: inout [Action]) {
        guard case .securing(let step) = phase else { return }
        switch (step, side) {
        case (.server(let reply), .server):
            self.reply(reply, into: &actions)
            actions.append(.secureClient)
            phase = .securing(.client)
        case (.client, .client):
            // RFC 3207 §4.2: both sides forget what the plaintext session said; the client
            // starts again with EHLO.
            secured = true
            transaction = Transaction()
            junkCommands = 0
            phase = .idle
        default:
            break
        }
    }

    /// Plaintext from the client while the upgrade runs: never relayed.
    mutating func discardPlaintext(_ octets: Int, into actions: inout [Action]) {
        guard octets > 0 else { return }
        actions.append(.notice(.tls(.plaintextDiscarded(octets: octets))))
    }

    mutating func serverClosedWhileSecuring(_ step: SecuringStep, into actions: inout [Action]) {
        switch step {
        case .server:
            // The client still speaks plaintext and waits for its answer to STARTTLS.
            actions.append(.notice(.tls(.serverHandshakeFailed)))
            close(replying: SMTPRelayReplies.tlsUnavailable, server: false, into: &actions)
        case .client:
            // Mid-handshake with the client: a plaintext reply would only garble it.
            close(client: true, server: false, into: &actions)
        }
    }
}
