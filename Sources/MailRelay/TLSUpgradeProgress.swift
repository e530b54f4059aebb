/// Where a session's upgrade (STARTTLS, STLS) stands, and the rulings both relay machines
/// share (`SMTPRelayMachine+TLS.swift`, `POP3RelayMachine+TLS.swift`): each machine keeps only
/// its own words (replies, capability keyword). `GoAhead` is the server's go-ahead (`220`,
/// `+OK`), kept until the server half is secured and then relayed to the client.
public struct TLSUpgradeProgress<GoAhead: Sendable>: Sendable {
    public enum Step: Sendable {
        /// The server half's handshake runs.
        case server(GoAhead)
        /// The go-ahead went to the client; its handshake runs.
        case client
    }

    /// What the server's go-ahead leads to.
    public enum GoAheadRuling: Equatable, Sendable {
        /// Ask for the server half's handshake (inspect).
        case secureServer
        /// Relay the go-ahead; the session is opaque from now on (pass).
        case relayOpaque
        /// Bytes followed the go-ahead, or it answers a command never sent (block).
        case protocolError
    }

    /// What a finished handshake leads to.
    public enum HandshakeRuling: Sendable {
        /// Relay the go-ahead, then ask for the client half's handshake.
        case answerClient(GoAhead)
        /// Both halves secured: the client starts over inside TLS.
        case secured
        /// Not the handshake awaited (stale).
        case ignore
    }

    public private(set) var policy: TLSPolicy
    /// The server is on the exempt list: its upgrade is passed whatever the policy.
    public private(set) var isExempt = false
    public private(set) var step: Step?
    /// Both halves run TLS the relay terminated.
    public private(set) var secured = false

    public init(policy: TLSPolicy) {
        self.policy = policy
    }

    /// The server is exempt (`mail security tls exempt`): the upgrade is relayed untouched.
    public mutating func exempt() {
        policy = .pass
        isExempt = true
    }

    /// The notice for an upgrade relayed untouched.
    public var relayedNotice: TLSUpgradeNotice { isExempt ? .exempt : .passed }

    /// `base` with `keyword` (STARTTLS, STLS) removed unless the relay can honour it now.
    public func capabilitiesRemoved(_ base: Set<String>, keyword: String) -> Set<String> {
        policy == .block || secured ? base.union([keyword]) : base.subtracting([keyword])
    }

    /// What the client's upgrade command gets: nil, forward it; otherwise the refusal (`blocked`
    /// under `TLSPolicy.block`, which is counted, or `alreadySecured` inside TLS).
    public func refusal<Reply>(blocked: Reply, alreadySecured: Reply) -> (reply: Reply, isBlock: Bool)? {
        if policy == .block { return (blocked, true) }
        return secured ? (alreadySecured, false) : nil
    }

    /// The server accepted the upgrade; `bytesAfter` of its bytes are still unread.
    public mutating func goAhead(_ goAhead: GoAhead, bytesAfter: Int) -> GoAheadRuling {
        guard bytesAfter == 0 else { return .protocolError }
        switch policy {
        case .inspect:
            step = .server(goAhead)
            return .secureServer
        case .pass:
            return .relayOpaque
        case .block:
            return .protocolError
        }
    }

    public mutating func handshakeDone(_ side: RelaySide) -> HandshakeRuling {
        switch (step, side) {
        case (.server(let goAhead)?, .server):
            step = .client
            return .answerClient(goAhead)
        case (.client?, .client):
            step = nil
            secured = true
            return .secured
        default:
            return .ignore
        }
    }

    /// The notice for plaintext the client sent after its upgrade command (nil for none).
    public static func discarded(_ octets: Int) -> TLSUpgradeNotice? {
        octets > 0 ? .plaintextDiscarded(octets: octets) : nil
    }
}
