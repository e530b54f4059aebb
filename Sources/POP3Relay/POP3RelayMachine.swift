import LineProtocol
import MailRelay
import NIOCore

/// The POP3 relay of one intercepted session: client side ⇔ appliance ⇔ server side.
///
/// A plain value (docs/engineering-habits.md, habit 1): events in (`handle`), actions out, no I/O, no clock of its own (time
/// comes in `.tick(now)`). The machine owns its decoders, because where a line ends and where
/// content starts depends on the command waiting for its response (RFC 1939 §3: whether a
/// response is multi-line depends on the command and on its status): status lines go through a
/// `LineFramer`, multi-line bodies through a `DataContentDecoder` (RFC 1939 §3 uses the same
/// byte-stuffing and terminator as SMTP DATA).
///
/// A clean retrieval (`A:` the appliance, to either side):
///
///     S: +OK POP3 ready <1896.697170952@dbc.mil>  → A: the same, byte for byte (APOP digests)
///     C: APOP mrose c4c9334bac560ecc979e58001b3e22fb → A: the same          S: +OK → A: +OK
///     C: RETR 1                                  → A: RETR 1                (to the server)
///     S: +OK 120 octets                          → (held)  startCollecting(message: 1)
///     S: …content… / .                           → storeContent…, scanMessage(message: 1)
///     decision deliverUnchanged                  → A: +OK 120 octets, sendStoredMessage(to: .client)
///     decision deliverRewritten(header, n)       → A: +OK 134 octets (size corrected),
///                                                   sendRewrittenMessage(to: .client, header, n)
///     decision tempfail                          → A: -ERR [SYS/TEMP] … (nothing deleted)
///
/// USER/PASS/APOP/AUTH and their SASL lines pass through untouched; STLS follows the session's
/// `TLSPolicy` (`POP3RelayMachine+TLS.swift`); PIPELINING is removed from CAPA (commands are served one at a time, in order, either way). TOP
/// is relayed; when this session already rewrote message n, TOP n gets the same header. A TOP
/// that asks for the whole message (`TOP n 99999999`, `POP3Limits.wholeMessageTopLines`) is a
/// retrieval and handled exactly as RETR: the status line is held and the content scanned.
///
/// A client that goes away is never a reason to enter the UPDATE state (RFC 1939 §6: only QUIT
/// does that): the server side is closed without QUIT, so nothing is deleted.
///
/// While a RETR waits (content arriving, scan running), the client is kept alive by
/// `POP3ClientComfort`: only bytes that every possible answer starts with may go early. Under
/// the reject policy that is nothing until the silence budget runs out; then the relay commits
/// to `+OK`, and a tempfail after that is an abort without QUIT (docs/pop3-client-comforting.md).
public struct POP3RelayMachine: Sendable {
    public enum Event: Equatable, Sendable {
        /// Bytes read from the client.
        case clientReceived(ByteBuffer)
        /// Bytes read from the server.
        case serverReceived(ByteBuffer)
        /// The decision for the message last asked for with `scanMessage`.
        case decision(POP3Decision)
        /// The time now; sent every `POP3Limits.tickInterval` while `wantsTicks` (and whenever
        /// the I/O layer likes). The only clock the machine has.
        case tick(NIODeadline)
        /// The client closed its side (or its connection failed).
        case clientClosed
        /// The server closed its side (or its connection failed).
        case serverClosed
        /// The TLS handshake asked for by `secureServer` / `secureClient` is done on that side.
        case secured(RelaySide)
    }

    /// The shared vocabulary (`RelayAction`): the subject of a scan is the message's number.
    public typealias Action = RelayAction<Int, POP3Notice>

    public let configuration: POP3RelayConfiguration

    /// RFC 1939 §3: the session's state, as the server sees it.
    public internal(set) var sessionState = POP3SessionState.authorization

    var phase = Phase.awaitingGreeting
    var clientFramer = LineFramer(maximumLineLength: POP3Limits.maximumSASLLineLength)
    var serverFramer = LineFramer(maximumLineLength: POP3Limits.maximumResponseLineLength)
    var content = DataContentDecoder()
    var holdsMessage = false
    var clientReadsPaused = false
    var remembered = RememberedRewrites()
    /// The STLS upgrade (`POP3RelayMachine+TLS.swift`); the kept go-ahead is the server's `+OK`.
    var tls: TLSUpgradeProgress<POP3Response>
    /// Both halves run TLS the relay terminated.
    public var secured: Bool { tls.secured }

    /// The latest `.tick`.
    var clock: NIODeadline?
    /// When bytes last came from the side the relay waits for (idle and response timeouts).
    var lastInput: NIODeadline?
    /// `-ERR` responses the client collected (`POP3Limits.maximumErrorResponses`).
    var errorResponses = 0
    /// When the client last heard something while its RETR waits (the silence budget).
    var clientQuietSince: NIODeadline?
    /// When the scan of the current message began (`POP3Limits.maximumDecisionWait`).
    var scanStarted: NIODeadline?

    public init(configuration: POP3RelayConfiguration = POP3RelayConfiguration()) {
        self.configuration = configuration
        tls = TLSUpgradeProgress(policy: configuration.tls)
    }

    /// Handles one event, appending the actions to run, in order, to `actions`.
    /// Reuse one array (emptied, capacity kept) to keep the per-read path free of allocations.
    public mutating func handle(_ event: Event, into actions: inout [Action]) {
        switch event {
        case .clientReceived(let bytes):
            guard !isClosed else { return }
            // Client bytes alone restart no clock: pipelined commands that arrive while the
            // server owes a response do not hide a silent server, and a command trickled in a
            // byte at a time must still be whole within the autologout time (RFC 1939 §3); the
            // clock restarts when a whole command is served (`serveClient`).
            if case .opaque = phase {
                actions.append(.sendToServer(bytes))
            } else if case .securing = phase {
                discardPlaintext(bytes.readableBytes, into: &actions)
            } else {
                clientFramer.append(bytes)
            }
        case .serverReceived(let bytes):
            guard !isClosed else { return }
            lastInput = clock
            if case .opaque = phase {
                actions.append(.replyToClient(bytes))
                return
            }
            if phase.readsBody {
                consumeBody(bytes, into: &actions)
            } else {
                serverFramer.append(bytes)
            }
            readServer(into: &actions)
        case .decision(let decision):
            guard case .scanning(let retrieval) = phase else { return }  // stale: the session moved on
            finish(retrieval, with: Answer(decision), into: &actions)
        case .tick(let now):
            guard !isClosed else { return }
            clock = now
            checkTime(now, into: &actions)
        case .clientClosed:
            guard !isClosed else { return }
            // RFC 1939 §6: no QUIT from the relay; the server does not enter UPDATE.
            close(client: false, server: true, into: &actions)
        case .serverClosed:
            guard !isClosed else { return }
            serverClosed(into: &actions)
        case .secured(let side):
            handshakeDone(side, into: &actions)
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

    /// Whether the I/O layer should send `.tick(now)` every `POP3Limits.tickInterval`.
    public var wantsTicks: Bool { !isClosed }
}
