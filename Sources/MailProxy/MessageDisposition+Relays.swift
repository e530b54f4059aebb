import MessageInspection
import POP3Relay
import SMTPRelay

extension RelayDecision {
    /// The SMTP relay's form of the decider's disposition: a reject with an SMTP 5yz reply is
    /// given as it is, a tempfail with an SMTP 451 too; anything else falls back to the relay's
    /// own content reject or service-unavailable reply.
    init(_ disposition: MessageDisposition) {
        switch disposition {
        case .deliverUnchanged:
            self = .deliverUnchanged
        case .deliverRewritten(let header, let replacing):
            self = .deliverRewritten(header: header, replacing: replacing)
        case .reject(.smtp(let code, let enhanced, let text)) where (500...599).contains(code):
            self = .reject(code: code, text: "\(enhanced) \(text)")
        case .reject:
            self = .contentRejected
        case .tempfail(.smtp(451, let enhanced, let text)):
            self = .tempfail(text: "\(enhanced) \(text)")
        case .tempfail:
            self = .serviceUnavailable
        case .transfer(let notification, let from, let to):
            self = .transfer(notification: notification, envelope: SMTPEnvelope(reversePath: from, forwardPaths: [to]))
        }
    }
}

extension POP3Decision {
    /// The POP3 relay's form of the decider's disposition. POP3 has no reject or transfer (the
    /// message is already on the server); should one appear, the safe answer is a tempfail: the
    /// message stays on the server.
    init(_ disposition: MessageDisposition) {
        switch disposition {
        case .deliverUnchanged:
            self = .deliverUnchanged
        case .deliverRewritten(let header, let replacing):
            self = .deliverRewritten(header: header, replacing: replacing)
        case .tempfail(.pop3Error(let text)):
            // The relay writes `-ERR [SYS/TEMP] ` itself.
            let code = "[SYS/TEMP] "
            self = .tempfail(text: text.hasPrefix(code) ? String(text.dropFirst(code.count)) : text)
        case .tempfail, .reject, .transfer:
            self = .serviceUnavailable
        }
    }
}
