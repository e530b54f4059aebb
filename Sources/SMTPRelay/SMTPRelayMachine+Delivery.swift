import LineProtocol
import NIOCore

extension SMTPRelayMachine {
    /// Acts on the decision for the collected message.
    ///
    /// Deliver (unchanged or rewritten): the server now sees DATA, and the content only after
    /// its 354; the client gets the server's final reply.
    ///
    ///     A: DATA                        S: 354 …
    ///     A: …content, dot-stuffed… / .  S: 250 2.0.0 queued as X
    ///     A→C: 250 2.0.0 queued as X
    ///
    /// If the server refuses DATA (4yz/5yz), the client gets that reply and the server's
    /// envelope is reset (`A: RSET`, reply swallowed).
    ///
    /// Reject / tempfail: the appliance answers (`554 5.7.1 …` / `451 4.7.1 …`), the server's
    /// envelope is reset (`A: RSET`, reply swallowed); nothing reaches the server.
    ///
    /// Transfer: the original envelope is reset and a new transaction carries the notification
    /// (docs/product.md §5); every reply but the last is swallowed, the last goes to the client:
    ///
    ///     A: RSET                        S: 250 (swallowed: the original MAIL/RCPT are dropped)
    ///     A: MAIL FROM:<from>            S: 250 (swallowed)
    ///     A: RCPT TO:<to>   (each)       S: 250 (swallowed; at least one must be accepted)
    ///     A: DATA                        S: 354
    ///     A: …notification… / .          S: 250 2.0.0 queued
    ///     A→C: 250 2.0.0 queued
    ///
    /// If MAIL is refused, every RCPT is refused, or DATA is refused, the client gets that
    /// (last) refusal and the server is reset again (`A: RSET`, swallowed): the client learns its
    /// message did not go, and retries or bounces it, rather than believing it delivered.
    mutating func apply(_ decision: RelayDecision, into actions: inout [Action]) {
        switch decision {
        case .deliverUnchanged:
            beginDelivery(.stored, into: &actions)
        case .deliverRewritten(let header, let replacing):
            beginDelivery(.rewritten(header: header, replacing: replacing), into: &actions)
        case .reject(let code, let text):
            precondition((500...599).contains(code), "a reject is a 5yz reply")
            abortTransaction(replying: SMTPReply(code: code, text: text), into: &actions)
        case .tempfail(let text):
            abortTransaction(replying: SMTPReply(code: 451, text: text), into: &actions)
        case .transfer(let notification, let envelope):
            precondition(!envelope.forwardPaths.isEmpty, "a transfer needs a recipient")
            sendWhenServerFree(ByteBuffer(string: "RSET\r\n"), into: &actions)
            phase = .awaitingReply(.transferReset(notification, envelope))
        }
    }

    mutating func beginDelivery(_ content: DeliveryContent, into actions: inout [Action]) {
        sendWhenServerFree(ByteBuffer(string: "DATA\r\n"), into: &actions)
        phase = .awaitingReply(.deliveryData(content))
    }

    /// The client gets `reply` as the end of its transaction; the server's envelope is reset.
    mutating func abortTransaction(replying reply: SMTPReply, into actions: inout [Action]) {
        self.reply(reply, into: &actions)
        sendWhenServerFree(ByteBuffer(string: "RSET\r\n"), into: &actions)
        phase = .awaitingReply(.internalReset)
        release(into: &actions)
        transaction = Transaction()
    }

    /// The transaction ended with the server's own final reply.
    private mutating func finishTransaction(relaying reply: SMTPReply, into actions: inout [Action]) {
        self.reply(reply, into: &actions)
        release(into: &actions)
        transaction = Transaction()
    }

    mutating func handleDeliveryReply(_ reply: SMTPReply, for pending: Pending, into actions: inout [Action]) {
        switch pending {
        case .deliveryData(let content):
            guard reply.code == 354 else {
                abortTransaction(replying: reply, into: &actions)
                return
            }
            switch content {
            case .stored:
                actions.append(.sendStoredMessage(to: .server))
            case .rewritten(let header, let replacing):
                actions.append(.sendRewrittenMessage(to: .server, header: header, storedFrom: replacing))
            }
            phase = .awaitingReply(.deliveryContent)
        case .deliveryContent:
            finishTransaction(relaying: reply, into: &actions)
        case .transferReset(let notification, let envelope):
            // Whatever RSET got, MAIL tells whether the server takes a new transaction.
            send(command: "MAIL FROM:<\(Self.sanitised(envelope.reversePath))>", into: &actions)
            phase = .awaitingReply(.transferMail(notification, envelope))
        case .transferMail(let notification, let envelope):
            guard reply.isPositiveCompletion else {
                abortTransaction(replying: reply, into: &actions)
                return
            }
            send(command: "RCPT TO:<\(Self.sanitised(envelope.forwardPaths[0]))>", into: &actions)
            phase = .awaitingReply(.transferRcpt(notification, envelope, next: 1, accepted: 0))
        case .transferRcpt(let notification, let envelope, let next, let accepted):
            let accepted = accepted + (reply.code == 250 || reply.code == 251 ? 1 : 0)
            if next < envelope.forwardPaths.count {
                send(command: "RCPT TO:<\(Self.sanitised(envelope.forwardPaths[next]))>", into: &actions)
                phase = .awaitingReply(.transferRcpt(notification, envelope, next: next + 1, accepted: accepted))
            } else if accepted > 0 {
                send(command: "DATA", into: &actions)
                phase = .awaitingReply(.transferData(notification))
            } else {
                abortTransaction(replying: reply, into: &actions)
            }
        case .transferData(let notification):
            guard reply.code == 354 else {
                abortTransaction(replying: reply, into: &actions)
                return
            }
            actions.append(.sendToServer(DotStuffer.stuff(notification)))
            phase = .awaitingReply(.deliveryContent)
        default:
            preconditionFailure("not a delivery step")
        }
    }

    /// Sends a command that starts a delivery step; while a keepalive NOOP is at the server it
    /// waits for the NOOP's reply, so that replies and commands stay paired one to one.
    mutating func sendWhenServerFree(_ command: ByteBuffer, into actions: inout [Action]) {
        if keepaliveOutstanding {
            deferredServerCommand = command
        } else {
            actions.append(.sendToServer(command))
        }
    }

    /// Keeps the server's transaction alive while the client sends content or the scan runs.
    ///
    ///     (collecting or scanning)       A: NOOP      S: 250 2.0.0 Ok   (swallowed)
    ///
    /// RFC 5321 §4.1.1.9: NOOP affects no parameters or previously entered commands.
    mutating func keepServerAlive(into actions: inout [Action]) {
        guard serverKeepaliveInterval != nil, !keepaliveOutstanding else { return }
        keepaliveOutstanding = true
        actions.append(.sendToServer(ByteBuffer(string: "NOOP\r\n")))
    }

    /// The reply to the keepalive NOOP: swallowed, then a command that waited for it goes.
    mutating func keepaliveReplied(_ reply: SMTPReply, into actions: inout [Action]) {
        keepaliveOutstanding = false
        if reply.code == 421 {
            close(replying: reply, server: true, into: &actions)
            return
        }
        if let command = deferredServerCommand {
            deferredServerCommand = nil
            actions.append(.sendToServer(command))
        }
    }

    private func send(command: String, into actions: inout [Action]) {
        actions.append(.sendToServer(ByteBuffer(string: command + "\r\n")))
    }

    /// Addresses come from configuration and headers: a CR, LF or angle bracket in one must not
    /// become a second command line.
    static func sanitised(_ address: String) -> String {
        String(address.unicodeScalars.filter { $0.value >= 0x20 && $0 != "<" && $0 != ">" }.map(Character.init))
    }
}
