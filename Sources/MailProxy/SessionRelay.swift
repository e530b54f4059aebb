import MailRelay
import MessageInspection
import NIOCore
import Telemetry

/// What a relay machine tells the session about itself beyond the shared vocabulary: how it
/// is built from the settings, its refusals before it starts, how a decision reaches it, and
/// which of its notices the session counts or logs. One conformance per protocol
/// (`SMTPRelayMachine+SessionRelay.swift`, `POP3RelayMachine+SessionRelay.swift`).
protocol SessionRelay: RelayMachine {
    static var mailProtocol: MailProtocol { get }
    /// The machine of a new session; every protocol wait divided by `timeDivisor`; without
    /// `tlsAvailable` (no `TLSInterceptor`) every upgrade is blocked.
    init(settings: ProxySettings, timeDivisor: Int, tlsAvailable: Bool)
    /// The reply that turns a session away before it starts (then the client side closes).
    static func refusal(_ reason: AdmissionRefusal, hostname: String) -> ByteBuffer
    /// The decider's disposition as this machine's decision.
    static func decision(_ disposition: MessageDisposition) -> Decision
    /// The stored message cannot be read or inspected: a tempfail, the client retries.
    static var localProblem: Decision { get }
    /// The SMTP `MAIL FROM` address of the message `subject` names (transfer notifications).
    static func envelopeSender(of subject: Subject) -> String?
    /// What the session does about a notice.
    static func sessionNotice(_ notice: Notice) -> SessionNotice?
    /// The server is on `mail security tls exempt`: its upgrade passes untouched.
    mutating func exemptFromTLSInspection()
    /// Implicit TLS passed untouched: bytes go unchanged both ways from the start.
    mutating func relayOpaque()
    /// This protocol's `mail security tls` mode.
    static func tlsPolicy(_ settings: ProxySettings) -> TLSPolicy
    /// The most a message store of this session may take.
    var storeLimit: Int { get }
    /// Whether the unavailable policy is the one of the session's start (the relay comforts
    /// the client by it, so every decision of the session must use it too).
    static var keepsUnavailablePolicyOfStart: Bool { get }
    /// Whether a delivery that cannot be read back closes both sides (POP3: the server without
    /// QUIT, so nothing is deleted) or only the side it was streaming to (SMTP: the client
    /// then hears from the machine that the server is gone).
    static var abandonedDeliveryClosesBothSides: Bool { get }
}

/// Why a session is turned away before it starts.
enum AdmissionRefusal {
    /// One host holds its `mail security max client sessions` already.
    case tooManyConnections
    /// The memory budget admits no more sessions.
    case resourcesExhausted
}

/// The notices the session acts on, whichever machine gave them.
enum SessionNotice: Equatable {
    /// The content passed the size limit; counted as the decision table's over-size row.
    case overSize(octets: Int)
    /// The relay stopped waiting for the decision and applied the unavailable policy itself:
    /// the scan is abandoned and counted as one that failed.
    case scanAbandoned
    case tooManyErrors
    case clientTimedOut
    /// STARTTLS / STLS (`RelaySession+TLS.swift`).
    case tls(TLSUpgradeNotice)
}
