import LineProtocol
import MailRelay
import NIOCore

/// The SMTP relay of one intercepted session: client side ⇔ appliance ⇔ server side.
///
/// A plain value (docs/engineering-habits.md, habit 1): events in (`handle`), actions out, no I/O. The machine owns its
/// decoders, because where a line ends and where content starts depends on the relay's own state
/// (after `354`, after `BDAT n`, while pipelined commands wait): commands go through a
/// `LineFramer`, content through a `DataContentDecoder`, replies through an `SMTPReplyParser`.
///
/// A clean session (`A:` the appliance, to either side):
///
///     S: 220 mx ESMTP                  → A: 220 mx ESMTP                (to the client)
///     C: EHLO pc                       → A: EHLO pc                     (to the server)
///     S: 250-mx / 250-PIPELINING / 250 8BITMIME
///                                      → A: 250-mx / 250 8BITMIME       (capabilities filtered)
///     C: MAIL FROM:<a@x>               → A: MAIL FROM:<a@x>             S: 250 → A: 250
///     C: RCPT TO:<b@y>                 → A: RCPT TO:<b@y>               S: 250 → A: 250
///     C: DATA                          → A: 354 (the appliance's own; nothing to the server)
///     C: …content… / .                 → storeContent…, scanMessage     (the server waits)
///     decision deliverUnchanged        → A: DATA                        S: 354
///                                      → sendStoredMessage(to: .server)      S: 250 queued
///                                      → A: 250 queued                  (the server's own reply)
///
/// Nothing is acknowledged to the client before the server accepted it (docs/product.md §2): the client's
/// final reply to its message is the server's reply to the delivery, or a reject/tempfail the
/// appliance is entitled to give. Commands are served strictly one at a time; a client that
/// pipelines anyway has its later commands wait, unparsed, in the client framer
/// (`SMTPLimits.maximumQueuedCommandBytes`, then `pauseClientReads`).
///
/// While the client sends content and the scan runs, the server hears nothing; the relay sends
/// it a NOOP every `serverKeepaliveInterval` (on `.keepaliveDue`) and swallows the reply, so a
/// server with a 5-minute timeout does not drop the transaction.
///
/// Timeouts: `timeout` names what the relay waits for and the RFC 5321 §4.5.3.2 time allowed.
/// The I/O layer restarts that clock whenever the value changes or bytes arrive from the awaited
/// side, and sends `.timeout(side)` when it runs out; time is thereby injected, never read here.
public struct SMTPRelayMachine: Sendable {
    public enum Event: Equatable, Sendable {
        /// Bytes read from the client.
        case clientReceived(ByteBuffer)
        /// Bytes read from the server.
        case serverReceived(ByteBuffer)
        /// The decision for the message last asked for with `scanMessage`.
        case decision(RelayDecision)
        /// The client closed its side (or its connection failed).
        case clientClosed
        /// The server closed its side (or its connection failed).
        case serverClosed
        /// The wait named by `timeout` ran out.
        case timeout(RelayTimeout.Side)
        /// `serverKeepaliveInterval` has passed since the relay last wrote to the server.
        case keepaliveDue
        /// The TLS handshake asked for by `secureServer` / `secureClient` is done on that side.
        case secured(RelaySide)
    }

    /// The shared vocabulary (`RelayAction`): the subject of a scan is the transaction's envelope.
    public typealias Action = RelayAction<SMTPEnvelope, RelayNotice>

    public enum RelayNotice: Equatable, Sendable {
        /// The content exceeded `maximumMessageSize`; `delivered` tells whether it was passed
        /// unscanned (policy pass) or refused with 552 (policy reject).
        case overSize(size: Int, delivered: Bool)
        /// The server broke the protocol; the session was closed.
        case serverProtocolError(SMTPReplyError)
        /// The client collected `SMTPLimits.maximumErrorReplies` errors; the session was closed.
        case tooManyErrors
        /// The client did not finish a command or its content in time; the session was closed.
        case clientTimedOut
        /// STARTTLS (`SMTPRelayMachine+TLS.swift`).
        case tls(TLSUpgradeNotice)
    }

    public let configuration: SMTPRelayConfiguration

    var phase = Phase.awaitingGreeting
    var transaction = Transaction()
    var clientFramer = LineFramer(maximumLineLength: SMTPLimits.maximumAuthLineLength)
    var serverFramer = LineFramer(maximumLineLength: SMTPLimits.maximumReplyLineLength)
    var replyParser = SMTPReplyParser()
    var content = DataContentDecoder()
    var contentOverSize = false
    var holdsMessage = false
    var clientReadsPaused = false
    var keepaliveOutstanding = false
    var deferredServerCommand: ByteBuffer?
    /// Counts the client commands served (see `RelayTimeout.turn`).
    var clientTurn = 0
    /// 5xx replies the client collected (`SMTPLimits.maximumErrorReplies`).
    var errorReplies = 0
    /// NOOP/RSET/VRFY/EXPN/HELP since the last accepted MAIL (`SMTPLimits.maximumJunkCommands`).
    var junkCommands = 0
    /// The STARTTLS upgrade (`SMTPRelayMachine+TLS.swift`); the kept go-ahead is the server's 220.
    var tls: TLSUpgradeProgress<SMTPReply>
    /// Both halves run TLS the relay terminated.
    public var secured: Bool { tls.secured }

    public init(configuration: SMTPRelayConfiguration = SMTPRelayConfiguration()) {
        self.configuration = configuration
        tls = TLSUpgradeProgress(policy: configuration.tls)
    }

    /// Handles one event, appending the actions to run, in order, to `actions`.
    /// Reuse one array (emptied, capacity kept) to keep the per-read path free of allocations.
    public mutating func handle(_ event: Event, into actions: inout [Action]) {
        switch event {
        case .clientReceived(let bytes):
            guard !isClosed else { return }
            if case .opaque = phase {
                actions.append(.sendToServer(bytes))
            } else if case .securing = phase {
                discardPlaintext(bytes.readableBytes, into: &actions)
            } else if case .collecting = phase {
                collect(bytes, into: &actions)
            } else {
                clientFramer.append(bytes)
            }
        case .serverReceived(let bytes):
            guard !isClosed else { return }
            if case .opaque = phase {
                actions.append(.replyToClient(bytes))
                return
            }
            serverFramer.append(bytes)
            readServer(into: &actions)
        case .decision(let decision):
            guard case .scanning = phase else { return }  // stale: the session moved on
            apply(decision, into: &actions)
        case .clientClosed:
            guard !isClosed else { return }
            close(client: false, server: true, into: &actions)
        case .secured(let side):
            handshakeDone(side, into: &actions)
        case .serverClosed:
            guard !isClosed else { return }
            if case .securing = phase {
                serverClosedWhileSecuring(into: &actions)
            } else if case .opaque = phase {
                close(client: true, server: false, into: &actions)
            } else if case .awaitingReply(.quit) = phase {
                close(client: true, server: false, into: &actions)
            } else {
                close(replying: SMTPRelayReplies.serverConnectionLost, server: false, into: &actions)
            }
        case .keepaliveDue:
            keepServerAlive(into: &actions)
        case .timeout(let side):
            guard let current = timeout, current.side == side else { return }  // stale timer
            switch side {
            case .client:
                actions.append(.notice(.clientTimedOut))
                if case .securing = phase {
                    // Mid-handshake: a plaintext reply would only garble it.
                    close(client: true, server: true, into: &actions)
                } else {
                    close(replying: SMTPRelayReplies.clientTimeout, server: true, into: &actions)
                }
            case .server:
                close(replying: SMTPRelayReplies.serverTimeout, server: true, into: &actions)
            case .decision:
                // No decision in time: a tempfail loses no mail (the client retries), and the
                // client hears it before it gives up on its own (RFC 5321 §4.5.3.2.6).
                abortTransaction(replying: SMTPRelayReplies.decisionTimeout, into: &actions)
            }
        }
        serveClient(into: &actions)
        applyBackpressure(into: &actions)
    }

    /// Handles one event and returns its actions (convenience; allocates the array).
    public mutating func handle(_ event: Event) -> [Action] {
        var actions: [Action] = []
        handle(event, into: &actions)
        return actions
    }

    /// Whether the session is over (both sides closed or being closed).
    public var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }

    /// How often to send `.keepaliveDue` while the server sits in a transaction the client is
    /// still filling (collecting) or the scan is judging; nil at other times. The I/O layer
    /// runs a repeating timer while this is non-nil.
    public var serverKeepaliveInterval: TimeAmount? {
        switch phase {
        case .collecting, .scanning: return configuration.timeouts.serverKeepalive
        default: return nil
        }
    }

    /// What the relay is waiting for and for how long (RFC 5321 §4.5.3.2); nil once closed.
    ///
    /// A client command must arrive whole within `clientCommand` of the relay being ready for it
    /// (`limit` equals `duration`: bytes dripping in do not extend it); content may pause up to
    /// `dataBlock` between reads and take `dataTotal` in all. `turn` changes with every command
    /// served, so each command gets its own clock even when the wait looks the same.
    public var timeout: RelayTimeout? {
        let t = configuration.timeouts
        switch phase {
        case .awaitingGreeting:
            return RelayTimeout(side: .server, duration: t.initialGreeting)
        case .awaitingReply(let pending):
            switch pending {
            case .deliveryData, .transferData:
                return RelayTimeout(side: .server, duration: t.dataInitiation)
            case .deliveryContent:
                return RelayTimeout(side: .server, duration: t.dataTermination)
            case .rcpt, .transferRcpt:
                return RelayTimeout(side: .server, duration: t.rcptCommand)
            default:
                return RelayTimeout(side: .server, duration: t.mailCommand)
            }
        case .idle, .authContinuation:
            return RelayTimeout(side: .client, duration: t.clientCommand, limit: t.clientCommand, turn: clientTurn)
        case .collecting:
            return RelayTimeout(side: .client, duration: t.dataBlock, limit: t.dataTotal, turn: clientTurn)
        case .scanning:
            return RelayTimeout(side: .decision, duration: t.decision)
        case .securing:
            if case .client? = tls.step {
                return RelayTimeout(side: .client, duration: t.clientCommand, limit: t.clientCommand, turn: clientTurn)
            }
            // The handshake with the server answers the STARTTLS the server accepted.
            return RelayTimeout(side: .server, duration: t.mailCommand)
        case .opaque, .closed:
            // Opaque: the relay no longer knows what either side waits for; the peers keep
            // their own timeouts.
            return nil
        }
    }
}
