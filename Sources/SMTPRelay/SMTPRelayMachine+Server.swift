import LineProtocol
import NIOCore

extension SMTPRelayMachine {
    /// Assembles the server's replies and handles each.
    mutating func readServer(into actions: inout [Action]) {
        while !isClosed, let frame = serverFramer.nextLine() {
            // Leniency: a reply line ended by a bare LF is accepted (relayed with CRLF).
            guard case .line(let line, _) = frame else {
                protocolError(.lineTooLong, into: &actions)
                return
            }
            do {
                if let reply = try replyParser.add(line) {
                    handleReply(reply, into: &actions)
                }
            } catch {
                protocolError(error, into: &actions)
                return
            }
        }
    }

    private mutating func handleReply(_ reply: SMTPReply, into actions: inout [Action]) {
        // Replies come in order: while a keepalive NOOP is out, this reply is its reply.
        if keepaliveOutstanding {
            keepaliveReplied(reply, into: &actions)
            return
        }
        let pending: Pending
        switch phase {
        case .awaitingGreeting:
            // RFC 5321 §3.1: the banner is the server's own, relayed as it is.
            self.reply(reply, into: &actions)
            phase = .idle
            if reply.code == 421 { close(client: true, server: true, into: &actions) }
            return
        case .awaitingReply(let awaited):
            pending = awaited
        default:
            // Unsolicited: RFC 5321 §3.8 allows a 421 at any time; anything else is garbage.
            if reply.code == 421 {
                close(replying: reply, server: true, into: &actions)
            } else {
                protocolError(.unexpectedReply, into: &actions)
            }
            return
        }
        phase = .idle
        if reply.code == 421, !isQuit(pending) {
            // RFC 5321 §3.8: the server is closing the channel; tell the client in its words.
            close(replying: reply, server: true, into: &actions)
            return
        }
        // The server's refusals of the client's own commands count towards
        // `SMTPLimits.maximumErrorReplies`, as the appliance's do (counted after the reply is
        // relayed, so the client hears the refusal before the 421).
        var clientError = reply.code >= 500
        switch pending {
        case .helo(let extended):
            if extended && reply.code == 250 {
                self.reply(EHLOCapabilityFilter.filter(reply, removing: removedCapabilities), into: &actions)
            } else {
                self.reply(reply, into: &actions)
            }
            // RFC 5321 §4.1.4: a successful HELO/EHLO resets the transaction.
            if reply.isPositiveCompletion { transaction = Transaction() }
        case .mail(let path):
            self.reply(reply, into: &actions)
            if reply.isPositiveCompletion {
                transaction = Transaction(mailAccepted: true, reversePath: path?.address ?? "", recipients: [])
                junkCommands = 0
            }
        case .rcpt(let path):
            self.reply(reply, into: &actions)
            // RFC 5321 §4.2.5: 250 and 251 accept the recipient.
            if reply.code == 250 || reply.code == 251 {
                transaction.recipients.append(path?.address ?? "")
            }
        case .rset:
            self.reply(reply, into: &actions)
            if reply.isPositiveCompletion { transaction = Transaction() }
        case .quit:
            self.reply(reply, into: &actions)
            close(client: true, server: true, into: &actions)
        case .auth:
            self.reply(reply, into: &actions)
            if reply.code == 334 { phase = .authContinuation }
        case .starttls:
            serverAnsweredStartTLS(reply, into: &actions)
        case .other:
            self.reply(reply, into: &actions)
        case .internalReset:
            clientError = false
        case .deliveryData, .deliveryContent, .transferReset, .transferMail, .transferRcpt, .transferData:
            // The reply to a message (or the appliance's own commands), not to a command.
            clientError = false
            handleDeliveryReply(reply, for: pending, into: &actions)
        }
        if clientError, !isClosed { _ = countError(into: &actions) }
    }

    private func isQuit(_ pending: Pending) -> Bool {
        if case .quit = pending { return true }
        return false
    }

    /// The server broke the protocol (docs/engineering-habits.md, habit 4: a reply and a clean close, never a crash).
    mutating func protocolError(_ error: SMTPReplyError, into actions: inout [Action]) {
        actions.append(.notice(.serverProtocolError(error)))
        close(replying: SMTPRelayReplies.serverProtocolError, server: true, into: &actions)
    }

    /// Replies to the client, then closes it (and the server side when asked).
    mutating func close(replying reply: SMTPReply, server: Bool, into actions: inout [Action]) {
        self.reply(reply, into: &actions)
        close(client: true, server: server, into: &actions)
    }

    mutating func close(client: Bool, server: Bool, into actions: inout [Action]) {
        release(into: &actions)
        if client { actions.append(.closeClient) }
        if server { actions.append(.closeServer) }
        phase = .closed
    }
}
