import MailRelay
import NIOCore

/// The relay's share of the appliance configuration (docs/product.md §7).
public struct POP3RelayConfiguration: Equatable, Sendable {
    /// `mail security inactive transfer`: what happens when the scan service cannot be used.
    public enum UnavailablePolicy: Equatable, Sendable {
        /// `-ERR [SYS/TEMP]`: the message stays on the server.
        case reject
        /// Relay the message unscanned.
        case pass
    }

    /// `mail security max size`, in octets of unstuffed content. A RETR over it is relayed
    /// unscanned (docs/product.md §5).
    public var maximumMessageSize: Int
    /// Must match the policy the decision table applies: the relay relies on it to know which
    /// answers a RETR can still get (see `POP3ClientComfort`), and applies it itself when the
    /// decision does not come in time.
    public var unavailablePolicy: UnavailablePolicy
    /// Spacing of comfort bytes while a RETR waits for its decision; nil turns comforting off.
    /// Within `POP3Limits.comfortIntervalRange`.
    public var comfortInterval: TimeAmount?
    /// How long the client may hear nothing while its RETR waits; then, with no byte left that
    /// may go safely, the relay commits to `+OK` (reject policy, comforting on, nothing sent
    /// yet) or applies the unavailable policy. Under the client's own timeout (~60 s).
    public var clientSilenceBudget: TimeAmount
    /// CAPA tags removed from the server's listing.
    public var removedCapabilities: Set<String>
    /// The protocol waits (`POP3Timeouts`; the daemon's tests divide them).
    public var timeouts = POP3Timeouts.standard
    /// What STLS does (`POP3RelayMachine+TLS.swift`).
    public var tls: TLSPolicy

    public init(
        maximumMessageSize: Int = 5 * 1024 * 1024,
        unavailablePolicy: UnavailablePolicy = .reject,
        comfortInterval: TimeAmount? = POP3Limits.defaultComfortInterval,
        clientSilenceBudget: TimeAmount = POP3Limits.defaultClientSilenceBudget,
        removedCapabilities: Set<String> = POP3CapabilityFilter.removedByDefault,
        tls: TLSPolicy = .block
    ) {
        precondition(maximumMessageSize > 0)
        if let interval = comfortInterval {
            precondition(POP3Limits.comfortIntervalRange.contains(interval), "comfort interval out of range")
            precondition(interval < clientSilenceBudget, "comfort must come before the silence budget runs out")
        }
        self.maximumMessageSize = maximumMessageSize
        self.unavailablePolicy = unavailablePolicy
        self.comfortInterval = comfortInterval
        self.clientSilenceBudget = clientSilenceBudget
        self.removedCapabilities = removedCapabilities
        self.tls = tls
    }
}
