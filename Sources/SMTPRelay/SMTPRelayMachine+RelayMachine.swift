import MailRelay
import NIOCore

/// The SMTP machine in the shared shape the session runs: it names each wait (`timeout`) and
/// wants the keepalive to the server while a transaction is open (`periodicInterval`).
extension SMTPRelayMachine: RelayMachine {
    public typealias Decision = RelayDecision
    public typealias Subject = SMTPEnvelope
    public typealias Notice = RelayNotice

    public static func received(_ bytes: ByteBuffer, from side: RelaySide) -> Event {
        side == .client ? .clientReceived(bytes) : .serverReceived(bytes)
    }

    public static func closed(_ side: RelaySide) -> Event {
        side == .client ? .clientClosed : .serverClosed
    }

    public static func decided(_ decision: RelayDecision) -> Event { .decision(decision) }

    public static func secured(_ side: RelaySide) -> Event { .secured(side) }

    public static func timedOut(_ side: RelayTimeout.Side) -> Event? { .timeout(side) }

    public var periodicInterval: TimeAmount? { serverKeepaliveInterval }

    public static func periodic(_ now: NIODeadline) -> Event { .keepaliveDue }

    public static func started(at now: NIODeadline) -> Event? { nil }
}
