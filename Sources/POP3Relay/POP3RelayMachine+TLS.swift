import MailRelay
import NIOCore

/// STLS (RFC 2595 §4) under the session's `TLSPolicy` (docs/tls.md); the same steps as SMTP's
/// STARTTLS (`SMTPRelayMachine+TLS.swift`):
///
///     C: STLS                          → A: STLS                        (to the server)
///     S: +OK Begin TLS negotiation     → secureServer                   (the +OK kept)
///     secured(.server)                 → A: +OK Begin TLS negotiation, secureClient
///     secured(.client)                 → idle, inside TLS: the client asks CAPA again
///
/// Plaintext the client sends after STLS is discarded, never relayed; server bytes after its
/// `+OK` are a protocol error. CAPA inside TLS is filtered again, STLS removed (RFC 2595 §4).
extension POP3RelayMachine {
    /// The CAPA tags removed: STLS stays while the relay can honour it.
    var removedCapabilities: Set<String> {
        if configuration.tls == .block || secured { return configuration.removedCapabilities.union(["STLS"]) }
        return configuration.removedCapabilities.subtracting(["STLS"])
    }

    mutating func startTLS(_ line: ByteBuffer, into actions: inout [Action]) {
        if configuration.tls == .block {
            actions.append(.notice(.tls(.blocked)))
            refuse(POP3RelayReplies.stlsRefused, into: &actions)
        } else if secured {
            refuse(POP3RelayReplies.tlsAlreadyActive, into: &actions)
        } else {
            forward(line, awaiting: .stls, into: &actions)
        }
    }

    mutating func serverAnsweredSTLS(_ response: POP3Response, into actions: inout [Action]) {
        guard response.status == .ok else {
            actions.append(.notice(.tls(.serverRefused)))
            relay(response, into: &actions)
            countError(into: &actions)
            return
        }
        // RFC 2595 §4: nothing after the +OK belongs to the plaintext session.
        guard serverFramer.bufferedBytes == 0 else { return protocolError(into: &actions) }
        discardPlaintext(clientFramer.takeBufferedBytes().readableBytes, into: &actions)
        switch configuration.tls {
        case .inspect:
            phase = .securing(.server(response))
            actions.append(.secureServer)
        case .pass:
            actions.append(.notice(.tls(.passed)))
            relay(response, into: &actions)
            phase = .opaque
        case .block:
            protocolError(into: &actions)
        }
    }

    mutating func handshakeDone(_ side: RelaySide, into actions: inout [Action]) {
        guard case .securing(let step) = phase else { return }
        switch (step, side) {
        case (.server(let response), .server):
            relay(response, into: &actions)
            actions.append(.secureClient)
            phase = .securing(.client)
            lastInput = clock
        case (.client, .client):
            secured = true
            phase = .idle
            lastInput = clock
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
            actions.append(.notice(.tls(.serverHandshakeFailed)))
            actions.append(.replyToClient(POP3RelayReplies.tlsUnavailable))
            close(client: true, server: false, into: &actions)
        case .client:
            close(client: true, server: false, into: &actions)
        }
    }
}
